//! Ids of what this crate adds to the domain. Like the domain's ids, the store assigns them and
//! this crate only carries them; a hand-over id is also part of its one-time code's message.

use closedloop_domain::id_type;

id_type!(
    /// One custody hand-over between two parties.
    HandoverId,
    /// One incident (accident, escape, staff infection, …).
    IncidentId,
    /// One completed check-list.
    InstanceId,
);
