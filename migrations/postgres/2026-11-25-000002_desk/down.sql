DROP TABLE incident_crew;
DROP TABLE incident_travelers;
DROP TABLE incidents;
DROP TABLE traveler_loops;
DROP TABLE handover_requests;
DROP TABLE gate_decisions;
DROP TABLE checklist_instances;
ALTER TABLE trips DROP COLUMN planned_arrival;
ALTER TABLE trips DROP COLUMN state;
