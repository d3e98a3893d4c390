//! The places use cases called the way the web server will call them, on the backend
//! `DATABASE_URL` names (a fresh database per test): hotels and hospitals imported all or
//! nothing, the desk's edits, the ports' processing times; and the store's one transaction.

use closedloop_app::App;
use closedloop_app::config::Config;
use closedloop_app::places::{
    self, ImportPlaces, PlacesImported, ProcessingSource, SetProcessing, SetRooms,
};
use closedloop_domain::Lang;
use closedloop_domain::geo::Coordinates;
use closedloop_store::DatabaseUrl;
use closedloop_store::places::{self as store, QuarantineHotel};
use closedloop_store::testing::TestDatabase;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Desk {
    app: App,
    dir: tempfile::TempDir,
    _db: TestDatabase,
}

fn desk() -> Desk {
    let db = TestDatabase::from_env().expect("test database");
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::load(Some(&repo().join("config/closedloop.toml"))).unwrap();
    config.ledger.key_file = dir.path().join("ledger.key");
    let url = match &db.url {
        DatabaseUrl::Postgres(u) => u.clone(),
        DatabaseUrl::Sqlite(p) => p.display().to_string(),
    };
    Desk {
        app: App::new(config, Some(url)),
        dir,
        _db: db,
    }
}

fn import(d: &Desk, hotels: bool, name: &str, csv: &str, lang: Lang) -> PlacesImported {
    let file = d.dir.path().join(name);
    std::fs::write(&file, csv).unwrap();
    let req = ImportPlaces { file, lang };
    if hotels {
        places::import_hotels(&d.app, &req).unwrap()
    } else {
        places::import_hospitals(&d.app, &req).unwrap()
    }
}

const HEADER: &str = "code,name_zh,name_en,address,lat,lon,rooms,accessible_rooms,languages,open\n";

fn hotels_csv(rows: &[&str]) -> String {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

const PD01: &str =
    "H-PD01,浦东机场宾馆,Pudong Airport Hotel,启航路900号,31.151,121.8,120,6,zh;en,true";
const PD02: &str = "H-PD02,川沙酒店,Chuansha Hotel,川沙路5558号,31.192,121.703,80,4,zh;en;ja,true";

#[test]
fn hotels_import_all_or_nothing_and_a_stored_code_is_updated() {
    let d = desk();
    // A BOM, full-width digits and spaces around values read as the desk meant them.
    let first = import(
        &d,
        true,
        "hotels.csv",
        &format!(
            "\u{feff}{}",
            hotels_csv(&[
                PD01,
                " h-pd02 ,川沙酒店,Chuansha Hotel,川沙路5558号,31.192,121.703,８０,4,zh;en;ja,是"
            ])
        ),
        Lang::En,
    );
    assert!(first.accepted, "{:?}", first.problems);
    assert_eq!((first.created, first.updated, first.unchanged), (2, 0, 0));
    let listed = places::list_hotels(&d.app).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].place.code, "H-PD02");
    assert_eq!(listed[1].place.rooms, 80);
    assert_eq!(listed[1].place.languages, ["zh", "en", "ja"]);
    assert!(listed[1].place.open);

    // Bad rows: each named with its row, column and code; the good row is not stored either.
    let bad = import(
        &d,
        true,
        "bad.csv",
        &hotels_csv(&[
            "H-NEW,新酒店,New Hotel,路1号,31.2,121.4,10,0,zh,true",
            "H-PD01,浦东机场宾馆,Pudong Airport Hotel,启航路900号,31.151,121.8,5,6,zh;en,true",
            "H-X,酒店,Hotel,路2号,-95,190,2.5,-1,,",
        ]),
        Lang::ZhCn,
    );
    assert!(!bad.accepted);
    let got: Vec<(usize, &str, &str)> = bad
        .problems
        .iter()
        .map(|p| (p.row, p.column, p.code))
        .collect();
    assert_eq!(
        got,
        [
            (3, "accessible_rooms", "accessible_rooms_exceed_rooms"),
            (4, "lat", "out_of_range"),
            (4, "lon", "out_of_range"),
            (4, "rooms", "not_a_count"),
            (4, "accessible_rooms", "out_of_range"),
            (4, "languages", "required"),
            (4, "open", "required"),
        ]
    );
    assert!(
        bad.problems[0]
            .message
            .starts_with("第 3 行，“accessible_rooms”列："),
        "{}",
        bad.problems[0].message
    );
    assert_eq!((bad.created, bad.updated), (0, 0));
    let after = places::list_hotels(&d.app).unwrap();
    assert_eq!(after, listed, "nothing stored");

    // Re-import: one updated, one unchanged, one created; the id stays.
    let again = import(
        &d,
        true,
        "again.csv",
        &hotels_csv(&[
            &PD01.replace(",120,6,", ",150,8,"),
            PD02,
            "H-JA01,静安酒店,Jing'an Hotel,南京西路1号,31.229,121.448,60,0,中文;English,false",
        ]),
        Lang::En,
    );
    assert!(again.accepted, "{:?}", again.problems);
    assert_eq!((again.created, again.updated, again.unchanged), (1, 1, 1));
    let now = places::list_hotels(&d.app).unwrap();
    let pd01 = now.iter().find(|h| h.place.code == "H-PD01").unwrap();
    assert_eq!(
        (pd01.id, pd01.place.rooms, pd01.place.accessible_rooms),
        (listed[0].id, 150, 8)
    );
    let ja = now.iter().find(|h| h.place.code == "H-JA01").unwrap();
    assert_eq!(
        (ja.place.languages.clone(), ja.place.open),
        (vec!["zh".to_string(), "en".to_string()], false)
    );
}

#[test]
fn a_file_is_refused_whole_when_its_header_is_wrong() {
    let d = desk();
    let file = d.dir.path().join("h.csv");
    std::fs::write(
        &file,
        "code,name_zh,name_en,address,lat,lon,rooms,rooms,languages,open,accessible_rooms\n",
    )
    .unwrap();
    let e = places::import_hotels(
        &d.app,
        &ImportPlaces {
            file: file.clone(),
            lang: Lang::En,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "places_column_twice");
    assert_eq!(e.field(), Some("rooms"));
    std::fs::write(&file, "code,name_zh\nH1,酒店\n").unwrap();
    let e = places::import_hotels(
        &d.app,
        &ImportPlaces {
            file: file.clone(),
            lang: Lang::En,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "places_columns_missing");
    assert!(
        e.message(Lang::ZhCn).contains("缺少列"),
        "{}",
        e.message(Lang::ZhCn)
    );
    std::fs::write(&file, HEADER).unwrap();
    let e = places::import_hotels(
        &d.app,
        &ImportPlaces {
            file: file.clone(),
            lang: Lang::En,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "places_no_rows");
    let e = places::import_hotels(
        &d.app,
        &ImportPlaces {
            file: d.dir.path().join("missing.csv"),
            lang: Lang::En,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "manifest_not_found");
}

#[test]
fn the_desk_edits_a_hotel_within_its_rules() {
    let d = desk();
    assert!(import(&d, true, "h.csv", &hotels_csv(&[PD01]), Lang::En).accepted);

    let closed = places::set_hotel_open(&d.app, "h-pd01", false).unwrap();
    assert!(closed.changed && !closed.hotel.place.open);
    let again = places::set_hotel_open(&d.app, "H-PD01", false).unwrap();
    assert!(!again.changed);
    assert!(
        places::set_hotel_open(&d.app, "H-PD01", true)
            .unwrap()
            .hotel
            .place
            .open
    );

    let set = |rooms, accessible| SetRooms {
        code: "H-PD01".into(),
        rooms,
        accessible_rooms: accessible,
    };
    let e = places::set_hotel_rooms(&d.app, &set(None, Some(121))).unwrap_err();
    assert_eq!(
        (e.code(), e.field()),
        ("accessible_rooms_exceed_rooms", Some("accessible_rooms"))
    );
    assert!(e.message(Lang::ZhCn).contains("未做任何改动"));
    let e = places::set_hotel_rooms(&d.app, &set(Some(5), None)).unwrap_err();
    assert_eq!(e.code(), "accessible_rooms_exceed_rooms");
    assert_eq!(
        places::set_hotel_rooms(&d.app, &set(Some(0), None))
            .unwrap_err()
            .code(),
        "rooms_out_of_range"
    );
    assert_eq!(
        places::set_hotel_rooms(&d.app, &set(None, None))
            .unwrap_err()
            .code(),
        "nothing_to_change"
    );
    let h = &places::list_hotels(&d.app).unwrap()[0].place;
    assert_eq!(
        (h.rooms, h.accessible_rooms),
        (120, 6),
        "refusals changed nothing"
    );

    let ok = places::set_hotel_rooms(&d.app, &set(Some(5), Some(5))).unwrap();
    assert!(ok.changed);
    assert_eq!(
        (ok.hotel.place.rooms, ok.hotel.place.accessible_rooms),
        (5, 5)
    );

    let unknown = places::set_hotel_open(&d.app, "NOPE", true).unwrap_err();
    assert_eq!(
        (unknown.code(), unknown.field()),
        ("unknown_hotel", Some("code"))
    );
    assert!(unknown.message(Lang::En).contains(r#""NOPE""#));
    assert_eq!(
        places::set_hotel_open(&d.app, "酒店", true)
            .unwrap_err()
            .code(),
        "bad_code"
    );
}

#[test]
fn hospitals_are_designated_unless_the_file_says_otherwise() {
    let d = desk();
    let out = import(
        &d,
        false,
        "hospitals.csv",
        "code,name_zh,name_en,address,lat,lon\nSPHCC,公卫中心,Public Health Clinical Center,漕廊公路2901号,30.81,121.3\n",
        Lang::En,
    );
    assert!(out.accepted && out.created == 1, "{:?}", out.problems);
    let out = import(
        &d,
        false,
        "hospitals.csv",
        "code,name_zh,name_en,address,lat,lon,designated\nSPHCC,公卫中心,Public Health Clinical Center,漕廊公路2901号,30.81,121.3,否\n",
        Lang::En,
    );
    assert_eq!((out.created, out.updated), (0, 1));
    let list = places::list_hospitals(&d.app).unwrap();
    assert_eq!(list.len(), 1);
    assert!(!list[0].place.designated);
    assert_eq!(
        list[0].place.location,
        Coordinates::new(30.81, 121.3).unwrap()
    );
}

#[test]
fn ports_have_a_default_processing_time_by_kind_that_the_desk_overrides() {
    let d = desk();
    let ports = places::list_ports(&d.app).unwrap();
    assert_eq!(ports.len(), d.app.config.ports.ports.len());
    for p in &ports {
        assert_eq!(p.processing_source, ProcessingSource::Default);
        assert_eq!(
            p.processing_minutes,
            places::default_processing_minutes(p.kind)
        );
    }
    let set = |port: &str, minutes| SetProcessing {
        port: port.into(),
        minutes,
    };
    let pvg = places::set_processing_minutes(&d.app, &set("pudong", Some(45))).unwrap();
    assert_eq!(
        (
            pvg.code.as_str(),
            pvg.processing_minutes,
            pvg.processing_source
        ),
        ("PVG", 45, ProcessingSource::Desk)
    );
    let back = places::set_processing_minutes(&d.app, &set("PVG", None)).unwrap();
    assert_eq!(
        (back.processing_minutes, back.processing_source),
        (120, ProcessingSource::Default)
    );
    let e = places::set_processing_minutes(&d.app, &set("NOPE", Some(5))).unwrap_err();
    assert_eq!(e.code(), "unknown_port");
    let e = places::set_processing_minutes(&d.app, &set("PVG", Some(1441))).unwrap_err();
    assert_eq!(
        (e.code(), e.field()),
        (
            "processing_minutes_out_of_range",
            Some("processing_minutes")
        )
    );
}

/// The store writes a list in one transaction: a row the database refuses (here one that
/// bypassed the use case's checks) leaves every row of the list unwritten.
#[test]
fn the_store_writes_a_list_in_one_transaction() {
    let d = desk();
    let hotel = |code: &str, rooms, accessible| QuarantineHotel {
        code: code.into(),
        name_zh: "酒店".into(),
        name_en: "Hotel".into(),
        address: "路1号".into(),
        location: Coordinates::new(31.2, 121.4).unwrap(),
        rooms,
        accessible_rooms: accessible,
        languages: vec!["zh".into()],
        open: true,
    };
    let mut conn = d.app.conn().unwrap();
    let r = store::upsert_hotels(&mut conn, &[hotel("A", 10, 1), hotel("B", 2, 3)]);
    assert!(r.is_err(), "the CHECK constraint refuses B");
    assert!(store::hotels(&mut conn).unwrap().is_empty());
    let ok = store::upsert_hotels(&mut conn, &[hotel("A", 10, 1)]).unwrap();
    assert_eq!(ok.created, 1);
}

#[test]
fn a_code_twice_in_a_file_is_named_beside_the_rows_other_problems() {
    let d = desk();
    let out = import(
        &d,
        true,
        "twice.csv",
        &hotels_csv(&[
            "H1,酒店,Hotel,路1号,31.2,121.4,10,0,zh,maybe",
            "h1,酒店,Hotel,路1号,31.2,121.4,ten,0,zh,true",
        ]),
        Lang::En,
    );
    let got: Vec<(usize, &str, &str)> = out
        .problems
        .iter()
        .map(|p| (p.row, p.column, p.code))
        .collect();
    assert_eq!(
        got,
        [
            (2, "open", "not_yes_no"),
            (3, "code", "duplicate_code"),
            (3, "rooms", "not_a_count"),
        ]
    );
    assert_eq!(
        out.problems[1].message,
        r#"row 3, column "code": "h1" is already the code of row 2"#
    );
}

#[test]
fn a_huge_value_is_quoted_by_its_excerpt() {
    let d = desk();
    let long = "名".repeat(10_000);
    let out = import(
        &d,
        true,
        "long.csv",
        &hotels_csv(&[&format!("H1,{long},Hotel,路1号,31.2,121.4,10,0,zh,true")]),
        Lang::ZhCn,
    );
    assert_eq!(out.problems.len(), 1);
    let m = &out.problems[0].message;
    assert_eq!(out.problems[0].code, "too_long");
    assert!(m.contains("(10000 characters)"), "{m}");
    assert!(m.chars().count() < 160, "{m}");
}
