// The same tables on both backends: portable column types only (see ARCHITECTURE.md).

diesel::table! {
    ports (id) {
        id -> BigInt,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        kind -> Text,
        lat -> Double,
        lon -> Double,
        processing_minutes -> Nullable<BigInt>,
    }
}

diesel::table! {
    arrivals (id) {
        id -> BigInt,
        transport_no -> Text,
        port_id -> BigInt,
        service_date -> Date,
        scheduled_at -> Timestamp,
        actual_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        file_name -> Text,
        format -> Text,
        rows_total -> BigInt,
        rows_imported -> BigInt,
        rows_unchanged -> BigInt,
        rows_rejected -> BigInt,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    travelers (id) {
        id -> BigInt,
        arrival_id -> BigInt,
        full_name -> Text,
        sex -> Text,
        birth_date -> Nullable<Date>,
        nationality -> Text,
        document_type -> Text,
        document_number -> Text,
        phone -> Nullable<Text>,
        language -> Nullable<Text>,
        health -> Text,
        special_needs -> Text,
        destination_kind -> Text,
        destination_address -> Nullable<Text>,
        family_group -> Nullable<Text>,
        notes -> Nullable<Text>,
        import_id -> BigInt,
        source_row -> BigInt,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    vehicles (id) {
        id -> BigInt,
        plate -> Text,
        seats -> BigInt,
    }
}

diesel::table! {
    crew_members (id) {
        id -> BigInt,
        staff_no -> Text,
        name -> Text,
        role -> Text,
    }
}

diesel::table! {
    trips (id) {
        id -> BigInt,
        vehicle_id -> BigInt,
        port_id -> BigInt,
        started_at -> Timestamp,
        ended_at -> Timestamp,
        state -> Text,
        planned_arrival -> Nullable<Timestamp>,
        plan_version_id -> Nullable<BigInt>,
        batch_code -> Nullable<Text>,
        origin_hotel_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    plan_versions (id) {
        id -> BigInt,
        service_date -> Date,
        version -> BigInt,
        policy -> Text,
        plan -> Text,
        approved_at -> Timestamp,
    }
}

diesel::table! {
    trip_crew (trip_id, crew_id) {
        trip_id -> BigInt,
        crew_id -> BigInt,
    }
}

diesel::table! {
    trip_travelers (trip_id, traveler_id) {
        trip_id -> BigInt,
        traveler_id -> BigInt,
        stop -> BigInt,
        destination_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    disinfections (id) {
        id -> BigInt,
        vehicle_id -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    handovers (id) {
        id -> BigInt,
        trip_id -> Nullable<BigInt>,
        giver_role -> Text,
        giver_id -> BigInt,
        receiver_role -> Text,
        receiver_id -> BigInt,
        at -> Timestamp,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        expected -> BigInt,
        counted -> BigInt,
        ledger_seq -> BigInt,
    }
}

diesel::table! {
    handover_travelers (handover_id, traveler_id) {
        handover_id -> BigInt,
        traveler_id -> BigInt,
    }
}

diesel::table! {
    ledger_entries (seq) {
        seq -> BigInt,
        at -> Timestamp,
        kind -> Text,
        canonical -> Text,
        leaf_hash -> Text,
    }
}

diesel::table! {
    ledger_traveler_refs (traveler_ref, seq) {
        traveler_ref -> Text,
        seq -> BigInt,
    }
}

diesel::table! {
    ledger_heads (tree_size) {
        tree_size -> BigInt,
        head -> Text,
        created -> Timestamp,
    }
}

diesel::table! {
    ledger_state (id) {
        id -> BigInt,
        tree_size -> BigInt,
        state -> Text,
    }
}

diesel::table! {
    ledger_map_records (traveler_ref) {
        traveler_ref -> Text,
        bucket -> BigInt,
        seq -> BigInt,
        leaf_hash -> Text,
        kind -> Text,
    }
}

diesel::table! {
    ledger_map_nodes (node) {
        node -> BigInt,
        children -> Binary,
    }
}

diesel::table! {
    checklist_instances (id) {
        id -> BigInt,
        kind -> Text,
        template_version -> Text,
        subject -> Text,
        crew_id -> Nullable<BigInt>,
        vehicle_id -> Nullable<BigInt>,
        trip_id -> Nullable<BigInt>,
        stop -> Nullable<BigInt>,
        day -> Date,
        subject_json -> Text,
        answers -> Text,
        passed -> Bool,
        failures -> Text,
        completed_at -> Timestamp,
        completed_by -> Nullable<BigInt>,
        ledger_seq -> BigInt,
    }
}

diesel::table! {
    gate_decisions (id) {
        id -> BigInt,
        trip_id -> BigInt,
        transition -> Text,
        passed -> Bool,
        missing -> Text,
        decided_at -> Timestamp,
        ledger_seq -> BigInt,
    }
}

diesel::table! {
    handover_requests (id) {
        id -> BigInt,
        trip_id -> BigInt,
        to_trip_id -> Nullable<BigInt>,
        giver_role -> Text,
        giver_id -> BigInt,
        receiver_role -> Text,
        receiver_id -> BigInt,
        giver_signer -> Text,
        expected -> BigInt,
        travelers -> Text,
        secret -> Text,
        created_at -> Timestamp,
        status -> Text,
        handover_id -> Nullable<BigInt>,
        wrong_codes -> BigInt,
    }
}

diesel::table! {
    traveler_loops (traveler_id) {
        traveler_id -> BigInt,
        status -> Text,
        party -> Text,
        party_id -> BigInt,
        since -> Timestamp,
        handover_id -> Nullable<BigInt>,
        trip_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    incidents (id) {
        id -> BigInt,
        kind -> Text,
        severity -> Text,
        at -> Timestamp,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        trip_id -> Nullable<BigInt>,
        vehicle_id -> Nullable<BigInt>,
        description -> Text,
        status -> Text,
        resolved_at -> Nullable<Timestamp>,
        resolution -> Nullable<Text>,
        ledger_seq -> BigInt,
    }
}

diesel::table! {
    incident_travelers (incident_id, traveler_id) {
        incident_id -> BigInt,
        traveler_id -> BigInt,
    }
}

diesel::table! {
    incident_crew (incident_id, crew_id) {
        incident_id -> BigInt,
        crew_id -> BigInt,
    }
}

diesel::table! {
    hotels (id) {
        id -> BigInt,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        address -> Text,
        lat -> Double,
        lon -> Double,
        rooms -> BigInt,
        accessible_rooms -> BigInt,
        languages -> Text,
        is_open -> Bool,
    }
}

diesel::table! {
    hospitals (id) {
        id -> BigInt,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        address -> Text,
        lat -> Double,
        lon -> Double,
        designated -> Bool,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        login -> Text,
        display_name -> Text,
        role -> Text,
        hotel_id -> Nullable<BigInt>,
        crew_id -> Nullable<BigInt>,
        port_id -> Nullable<BigInt>,
        password_hash -> Text,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        account_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        idle_expires_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        account_id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        login -> Text,
        address -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    personal_data_reads (id) {
        id -> BigInt,
        account_id -> BigInt,
        at -> Timestamp,
        endpoint -> Text,
        object_kind -> Text,
        object_ids -> Text,
        fields -> Text,
    }
}

diesel::table! {
    manifest_uploads (id) {
        id -> BigInt,
        file_name -> Text,
        format -> Text,
        transport -> Nullable<Text>,
        head_json -> Text,
        account_id -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    manifest_rejected_rows (upload_id, sheet, row_number) {
        upload_id -> BigInt,
        sheet -> Text,
        row_number -> BigInt,
        cells_json -> Text,
        errors_json -> Text,
    }
}

diesel::joinable!(arrivals -> ports (port_id));
diesel::joinable!(travelers -> arrivals (arrival_id));
diesel::joinable!(travelers -> imports (import_id));
diesel::joinable!(trips -> vehicles (vehicle_id));
diesel::joinable!(trips -> ports (port_id));
diesel::joinable!(trips -> plan_versions (plan_version_id));
diesel::joinable!(trips -> hotels (origin_hotel_id));
diesel::joinable!(trip_crew -> trips (trip_id));
diesel::joinable!(trip_crew -> crew_members (crew_id));
diesel::joinable!(trip_travelers -> trips (trip_id));
diesel::joinable!(trip_travelers -> travelers (traveler_id));
diesel::joinable!(disinfections -> vehicles (vehicle_id));
diesel::joinable!(handovers -> trips (trip_id));
diesel::joinable!(handover_travelers -> handovers (handover_id));
diesel::joinable!(handover_travelers -> travelers (traveler_id));
diesel::joinable!(ledger_traveler_refs -> ledger_entries (seq));
diesel::joinable!(traveler_loops -> trips (trip_id));
diesel::joinable!(incident_travelers -> incidents (incident_id));
diesel::joinable!(incident_crew -> incidents (incident_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(api_tokens -> accounts (account_id));
diesel::joinable!(personal_data_reads -> accounts (account_id));
diesel::joinable!(manifest_rejected_rows -> manifest_uploads (upload_id));

diesel::allow_tables_to_appear_in_same_query!(
    ports,
    manifest_uploads,
    manifest_rejected_rows,
    arrivals,
    imports,
    travelers,
    vehicles,
    crew_members,
    trips,
    trip_crew,
    trip_travelers,
    disinfections,
    handovers,
    handover_travelers,
    ledger_entries,
    ledger_traveler_refs,
    ledger_heads,
    ledger_state,
    ledger_map_records,
    ledger_map_nodes,
    checklist_instances,
    gate_decisions,
    handover_requests,
    traveler_loops,
    incidents,
    incident_travelers,
    incident_crew,
    hotels,
    hospitals,
    plan_versions,
    accounts,
    sessions,
    api_tokens,
    login_failures,
    personal_data_reads,
);
