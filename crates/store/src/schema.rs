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
    }
}

diesel::joinable!(arrivals -> ports (port_id));
diesel::joinable!(travelers -> arrivals (arrival_id));
diesel::joinable!(travelers -> imports (import_id));

diesel::allow_tables_to_appear_in_same_query!(ports, arrivals, imports, travelers);
