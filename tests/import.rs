//! Manifest intake as desks meet it: the real binary, real files, a real database (SQLite, or
//! PostgreSQL when DATABASE_URL names one).

mod common;

use common::Env;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::json;

/// A desk's sheet: title row, a key–value block with the arrival, Chinese headers, full-width
/// characters, a padded name, a Chinese date, a footer.
const CHINESE_CSV: &str = "\u{feff}某市境外入境人员闭环转运名单
航班号：CA936 · 入境口岸：浦东机场 · 抵达时间：2021年3月5日 14:30
序号,姓名,性别,国籍,证件类型,证件号码,出生日期,联系电话,目的地类型,目的地地址,健康状况,备注
1,王　伟,男,中国,护照,ｅ１２３４５６７８,1985/4/12,138 1234 5678,集中隔离,,正常,
2,李娜,女,CHN,护照,E23456789,1950年2月3日,+86 139-0000-1111,集中隔离,,密接,坐轮椅
3,张敏,女,中国,护照,E34567890,1992-07-30,13700002222,居家隔离,上海市静安区南京西路1266号,正常,孕妇
合计：3人
";

#[test]
fn chinese_csv_with_title_rows_and_arrival_block_is_stored_normalised() {
    let env = Env::new();
    let file = env.write("ca936.csv", CHINESE_CSV);
    let r = env.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = r.json();
    assert_eq!(
        (
            s["rows"].clone(),
            s["imported"].clone(),
            s["arrivals_created"].clone()
        ),
        (json!(3), json!(3), json!(1))
    );

    assert_eq!(
        env.stats(),
        json!({"travelers": 3, "arrivals": 1,
               "by_destination": {"home": 1, "hotel": 2},
               "by_health": {"close_contact": 1, "normal": 2}})
    );
    let wang = env.traveler("E12345678");
    assert_eq!(wang["full_name"], "王伟");
    assert_eq!(wang["phone"], "+8613812345678");
    assert_eq!(wang["birth_date"], "1985-04-12");
    assert_eq!(wang["nationality"], "CHN");
    assert_eq!(wang["transport_no"], "CA936");
    assert_eq!(wang["port_code"], "PVG");
    assert_eq!(wang["scheduled_at"], "2021-03-05T14:30:00");
    assert_eq!(wang["source_row"], 4);
    let li = env.traveler("E23456789");
    assert_eq!(li["birth_date"], "1950-02-03");
    assert_eq!(li["health"], "close_contact");
    assert_eq!(li["special_needs"], "elderly,wheelchair");
    let zhang = env.traveler("E34567890");
    assert_eq!(zhang["destination_kind"], "home");
    assert_eq!(zhang["destination_address"], "上海市静安区南京西路1266号");
    assert_eq!(zhang["special_needs"], "pregnant");
}

#[test]
fn xlsx_with_english_headers_excel_dates_and_numeric_phones() {
    let env = Env::new();
    let path = env.path("mu5101.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    ws.write_string(0, 0, "Passenger manifest MU5101").unwrap();
    let header = [
        "No.",
        "Full Name",
        "Sex",
        "Nationality",
        "Passport No.",
        "Date of Birth",
        "Phone",
        "Flight",
        "Port",
        "Arrival",
        "Destination Type",
        "Health",
        "Notes",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    // 1988-05-20 is serial 32283; 2021-03-06 09:15 is 44261.385416…
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        f64,
        f64,
        &'a str,
        &'a str,
    );
    let rows: [Row; 2] = [
        (
            "Tanaka Yuki",
            "F",
            "Japan",
            "TZ1234567",
            32283.0,
            8190001234.0,
            "hotel",
            "normal",
        ),
        (
            "Kim Minjun",
            "male",
            "KOR",
            "M12345678",
            34669.0,
            13912345678.0,
            "hospital",
            "symptomatic",
        ),
    ];
    for (i, (name, sex, nat, doc, born, phone, dest, health)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_string(r, 2, *sex).unwrap();
        ws.write_string(r, 3, *nat).unwrap();
        ws.write_string(r, 4, *doc).unwrap();
        ws.write_number_with_format(r, 5, *born, &date).unwrap();
        ws.write_number(r, 6, *phone).unwrap();
        ws.write_string(r, 7, "MU5101").unwrap();
        ws.write_string(r, 8, "SHA").unwrap();
        ws.write_number_with_format(r, 9, 44261.0 + 9.25 / 24.0, &datetime)
            .unwrap();
        ws.write_string(r, 10, *dest).unwrap();
        ws.write_string(r, 11, *health).unwrap();
    }
    wb.save(&path).unwrap();

    let r = env.import(&path, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["imported"], 2);
    let tanaka = env.traveler("TZ1234567");
    assert_eq!(tanaka["birth_date"], "1988-05-20");
    assert_eq!(tanaka["sex"], "female");
    assert_eq!(tanaka["nationality"], "JPN");
    assert_eq!(tanaka["scheduled_at"], "2021-03-06T09:15:00");
    assert_eq!(tanaka["source_row"], 4);
    // A phone typed as a number: without a country code it is taken as a Chinese number.
    let kim = env.traveler("M12345678");
    assert_eq!(kim["phone"], "+8613912345678");
    assert_eq!(kim["health"], "symptomatic");
    assert_eq!(kim["destination_kind"], "hospital");
}

#[test]
fn gb18030_csv_is_decoded() {
    let env = Env::new();
    let text = "姓名,性别,国籍,护照号,航班/车次,入境口岸,抵达时间,隔离方式,健康状况\n\
                刘洋,男,中国,EA1122334,MU5101,上海虹桥国际机场,2021-03-06 09:10,集中隔离,正常\n\
                周杰,男,中华人民共和国,EB2233445,MU5101,SHA,2021-03-06 09:10,集中隔离,发热\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    let file = env.write("gb.csv", &bytes);
    let r = env.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["format"], "csv (GB18030)");
    assert_eq!(env.traveler("EA1122334")["full_name"], "刘洋");
    assert_eq!(env.traveler("EB2233445")["health"], "symptomatic");
}

#[test]
fn json_lines_with_english_keys() {
    let env = Env::new();
    let file = env.write(
        "g1234.jsonl",
        r#"{"name": "Anna Müller", "sex": "female", "nationality": "DEU", "document number": "C01X00T47", "flight/train": "G1234", "port": "Shanghai Railway Station", "arrival": "2021-03-07 18:05", "destination type": "home", "address": "上海市徐汇区漕溪北路88号", "language": "German"}
{"name": "赵磊", "nationality": "CN", "document number": "EC3344556", "date of birth": "2012-06-01", "flight/train": "G1234", "port": "上海站", "arrival": "2021-03-07 18:05", "family group": "F-01"}
"#,
    );
    let r = env.import(&file, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let anna = env.traveler("C01X00T47");
    assert_eq!(anna["language"], "de");
    assert_eq!(anna["port_code"], "SH-RAIL");
    let zhao = env.traveler("EC3344556");
    assert_eq!(zhao["special_needs"], "child,family_group");
    assert_eq!(zhao["destination_kind"], "hotel");
}

const WITH_INVALID_ROWS: &str =
    "姓名,性别,国籍,证件号码,出生日期,联系电话,航班号,入境口岸,抵达时间,健康状况
吴强,男,中国,E56789012,1980-01-01,13800006666,CA988,PVG,2021-03-08 07:00,正常
,女,中国,E67890123,1983-02-02,13800007777,CA988,PVG,2021-03-08 07:00,正常
孙艳,女,火星,E78901234,03/05/1990,1380000,CA988,PVG,2021-03-08 07:00,正常
";

#[test]
fn an_invalid_row_rejects_the_whole_import_and_names_every_error() {
    let env = Env::new();
    env.import(&env.write("first.csv", CHINESE_CSV), &[]);
    let before = env.stats();
    let file = env.write("bad.csv", WITH_INVALID_ROWS);
    let r = env.import(&file, &[]);
    assert_ne!(r.code, 0);
    let s = r.json();
    let errors: Vec<String> = s["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    let expect = [
        r#"row 3, column "姓名": is empty"#,
        r#"row 4, column "国籍": unknown country "火星""#,
        r#"row 4, column "出生日期": "03/05/1990" is ambiguous"#,
        r#"row 4, column "联系电话""#,
    ];
    for e in expect {
        assert!(
            errors.iter().any(|x| x.starts_with(e)),
            "missing {e:?} in {errors:#?}"
        );
    }
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_eq!(env.stats(), before, "a refused import changed the database");
    assert!(!env.path("bad.rejected.csv").exists());

    // The plain output says the same on stderr.
    let plain = env.run(&["import", file.to_str().unwrap()]);
    assert_ne!(plain.code, 0);
    assert!(
        plain.stderr.contains(r#"row 3, column "姓名": is empty"#),
        "{}",
        plain.stderr
    );
    assert!(
        plain.stderr.contains("nothing was imported"),
        "{}",
        plain.stderr
    );
}

#[test]
fn accept_valid_imports_the_valid_rows_and_writes_the_rejected_ones() {
    let env = Env::new();
    let file = env.write("bad.csv", WITH_INVALID_ROWS);
    let r = env.import(&file, &["--accept-valid"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = r.json();
    assert_eq!(
        (s["imported"].clone(), s["rejected"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(env.stats()["travelers"], 1);
    let rejected = std::fs::read_to_string(env.path("bad.rejected.csv")).unwrap();
    let mut lines = rejected.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "row,errors,姓名,性别,国籍,证件号码,出生日期,联系电话,航班号,入境口岸,抵达时间,健康状况"
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 2, "{rejected}");
    assert!(rest[0].starts_with("3,"), "{rejected}");
    assert!(
        rest[1].starts_with("4,") && rest[1].contains("火星"),
        "{rejected}"
    );
}

#[test]
fn importing_the_same_manifest_twice_adds_nothing() {
    let env = Env::new();
    let file = env.write("ca936.csv", CHINESE_CSV);
    assert_eq!(env.import(&file, &[]).json()["imported"], 3);
    let once = env.stats();
    let again = env.import(&file, &[]);
    assert_eq!(again.code, 0);
    let s = again.json();
    assert_eq!(
        (
            s["imported"].clone(),
            s["unchanged"].clone(),
            s["arrivals_created"].clone()
        ),
        (json!(0), json!(3), json!(0))
    );
    assert_eq!(env.stats(), once);
}

#[test]
fn the_same_document_on_another_arrival_is_a_conflict_not_a_merge() {
    let env = Env::new();
    env.import(&env.write("ca936.csv", CHINESE_CSV), &[]);
    let before = env.stats();
    let other = "姓名,国籍,证件号码,航班号,入境口岸,抵达时间\n\
                 王伟,中国,E12345678,MU5101,SHA,2021-03-09 10:00\n\
                 新人,中国,E99999999,MU5101,SHA,2021-03-09 10:00\n";
    let file = env.write("mu5101.csv", other);
    let r = env.import(&file, &[]);
    assert_ne!(r.code, 0);
    let errors = r.json()["errors"].to_string();
    assert!(errors.contains(r#"row 2, column \"证件号码\": this document is already stored on arrival CA936 of 2021-03-05"#), "{errors}");
    assert_eq!(env.stats(), before);

    let r = env.import(&file, &["--accept-valid"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["imported"], 1);
    assert_eq!(env.traveler("E12345678")["transport_no"], "CA936");
}

#[test]
fn arrival_flag_names_the_flight_and_reuses_a_stored_arrival() {
    let env = Env::new();
    env.import(&env.write("ca936.csv", CHINESE_CSV), &[]);
    let late = "姓名,国籍,证件号码\n补录,中国,E11110000\n";
    let file = env.write("late.csv", late);
    let r = env.import(&file, &["--arrival", "ca 936"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["arrivals_created"], 0);
    let t = env.traveler("E11110000");
    assert_eq!(
        (t["transport_no"].clone(), t["port_code"].clone()),
        (json!("CA936"), json!("PVG"))
    );

    let unknown = env.import(&file, &["--arrival", "ZZ1"]);
    assert_ne!(unknown.code, 0);
    assert!(
        unknown.json()["errors"]
            .to_string()
            .contains("no port of entry"),
        "{}",
        unknown.stdout
    );
}

#[test]
fn listings_mask_personal_data_unless_revealed() {
    let env = Env::new();
    env.import(&env.write("ca936.csv", CHINESE_CSV), &[]);
    let masked = env
        .ok(&["travelers", "list", "--format", "csv", "--arrival", "CA936"])
        .stdout;
    assert!(
        !masked.contains("E12345678") && masked.contains("E1*****78"),
        "{masked}"
    );
    assert!(
        !masked.contains("13812345678") && !masked.contains("王伟"),
        "{masked}"
    );
    let revealed = env
        .ok(&["travelers", "list", "--format", "csv", "--reveal"])
        .stdout;
    assert!(
        revealed.contains("E12345678") && revealed.contains("王伟"),
        "{revealed}"
    );
    let table = env.ok(&["travelers", "list"]).stdout;
    assert!(table.contains("CA936") && table.contains("王*"), "{table}");
    let none = env
        .ok(&[
            "travelers",
            "list",
            "--format",
            "json",
            "--arrival",
            "XX999",
        ])
        .json();
    assert_eq!(none, json!([]));
}

/// Storing starts before the whole file is checked; an invalid row near the end must still
/// leave the database untouched, and with --accept-valid every valid row must be stored.
#[test]
fn an_invalid_row_after_thousands_of_stored_rows_still_rejects_everything() {
    let env = Env::new();
    let mut csv = String::from("姓名,国籍,证件号码,出生日期,航班号,入境口岸,抵达时间\n");
    for i in 0..12_000 {
        // Excel serial dates typed as text, as some platforms export them: 32283 is 1988-05-20.
        csv.push_str(&format!(
            "旅客{i},CHN,E{i:08},32283,MU5001,PVG,2021-03-05 10:00\n"
        ));
    }
    csv.push_str("末行,火星,E99999999,1990-01-01,MU5001,PVG,2021-03-05 10:00\n");
    let file = env.write("big.csv", &csv);
    let r = env.import(&file, &[]);
    assert_ne!(r.code, 0);
    let s = r.json();
    assert_eq!(
        (
            s["rows"].clone(),
            s["rejected"].clone(),
            s["imported"].clone()
        ),
        (json!(12_001), json!(1), json!(0))
    );
    assert!(
        s["errors"][0]
            .as_str()
            .unwrap()
            .starts_with(r#"row 12002, column "国籍""#),
        "{}",
        s["errors"]
    );
    assert_eq!(env.stats()["travelers"], 0);

    let r = env.import(&file, &["--accept-valid"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["imported"], 12_000);
    assert_eq!(env.stats()["travelers"], 12_000);
    assert_eq!(env.traveler("E00011999")["birth_date"], "1988-05-20");
}
