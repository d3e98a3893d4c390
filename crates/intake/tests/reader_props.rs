//! No input breaks intake: arbitrary bytes given to every manifest reader (CSV, JSON lines,
//! workbooks, and a whole file through `read_manifest`) and arbitrary text given to the value
//! parsers come back as a value or an error, never a panic.

use closedloop_domain::port::PortDirectory;
use closedloop_intake::manifest::{IntakeOptions, parse_grids, read_manifest};
use closedloop_intake::normalize::{date, datetime, document_number, excel_serial, phone, text};
use closedloop_intake::source::{read_csv_bytes, read_jsonl_bytes, read_spreadsheet_bytes};
use proptest::prelude::*;
use std::sync::OnceLock;

fn ports() -> &'static PortDirectory {
    static PORTS: OnceLock<PortDirectory> = OnceLock::new();
    PORTS.get_or_init(|| {
        PortDirectory::from_toml(include_str!("../../../config/ports.toml")).expect("ports")
    })
}

fn opts() -> IntakeOptions<'static> {
    IntakeOptions {
        ports: ports(),
        policy: None,
        default_country_code: "86".into(),
        transport_override: None,
        fallback_arrival: None,
        limits: Default::default(),
    }
}

/// A small real workbook, for mutations that get past the container's magic bytes.
fn workbook() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["姓名", "国籍", "证件号码", "航班号", "入境口岸", "抵达时间"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "张三").unwrap();
        ws.write_string(1, 1, "CHN").unwrap();
        ws.write_number(1, 2, 123456789.0).unwrap();
        ws.write_string(1, 3, "CA936").unwrap();
        ws.write_string(1, 4, "PVG").unwrap();
        ws.write_number(1, 5, 44260.5).unwrap();
        wb.save_to_buffer().unwrap()
    })
}

/// Bytes that look like the start of each format, then anything.
fn manifest_bytes() -> impl Strategy<Value = Vec<u8>> {
    let prefixes: Vec<&'static [u8]> = vec![
        b"",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xFE\xFF",
        b"PK\x03\x04",
        b"\xD0\xCF\x11\xE0",
        "姓名,国籍,证件号码,航班号,入境口岸,抵达时间\n".as_bytes(),
        b"{\"name\": ",
        b"<html>",
    ];
    (
        proptest::sample::select(prefixes),
        prop::collection::vec(any::<u8>(), 0..400),
    )
        .prop_map(|(prefix, rest)| [prefix, &rest[..]].concat())
}

/// Text made of the pieces manifests are made of, to reach deep into the readers.
fn manifest_text() -> impl Strategy<Value = String> {
    #[rustfmt::skip]
    let pieces = [
        "姓名", "国籍", "证件号码", "航班号", "入境口岸", "抵达时间", "出生日期", "电话",
        "name", "张三", "CHN", "E12345678", "CA936", "PVG", "2021-03-05 14:30", "44260.5",
        ",", ",", ";", "\t", "\n", "\n", "\r\n", "\"", "{", "}", ":", "[", "]", "null", "true",
        "1e400", "-0", "=1+1", "'", "\u{feff}", "合计", " ",
    ];
    prop::collection::vec(proptest::sample::select(pieces.to_vec()), 0..60)
        .prop_map(|parts| parts.concat())
}

/// Text made of what dates, times and phones are made of.
fn value_text() -> impl Strategy<Value = String> {
    #[rustfmt::skip]
    let pieces = [
        "0", "1", "2", "9", "12", "31", "2021", "20210305", "44260", "9999999", ".", "-", "/",
        ":", " ", "T", "年", "月", "日", "号", "时", "点", "分", "秒", "半", "整", "上午", "下午",
        "中午", "晚上", "凌晨", "am", "PM", "p.m.", "+", "(", ")", "ext", "x", "#", "０", "１",
        "：", "\u{3000}",
    ];
    prop::collection::vec(proptest::sample::select(pieces.to_vec()), 0..16)
        .prop_map(|parts| parts.concat())
}

fn check_all_readers(bytes: &[u8]) {
    let opts = opts();
    for grid in [
        read_csv_bytes("p.csv", bytes),
        read_jsonl_bytes("p.jsonl", bytes),
    ]
    .into_iter()
    .flatten()
    {
        let _ = parse_grids("p", &[grid], &opts);
    }
    if let Ok(grids) = read_spreadsheet_bytes("p.xlsx", bytes) {
        let _ = parse_grids("p.xlsx", &grids, &opts);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in manifest_bytes()) {
        check_all_readers(&bytes);
    }

    #[test]
    fn readers_never_panic_on_manifest_like_text(text in manifest_text()) {
        check_all_readers(text.as_bytes());
    }

    #[test]
    fn a_damaged_workbook_is_an_error_not_a_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = workbook().to_vec();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        check_all_readers(&bytes);
    }

    #[test]
    fn value_parsers_never_panic(s in value_text(), any_text in any::<String>(), n in any::<f64>()) {
        for s in [&s, &any_text] {
            let _ = (date(s), datetime(s), phone(s, "86"), phone(s, "1"));
            let _ = (text(s), document_number(s));
        }
        let _ = excel_serial(n);
    }
}

/// The whole path a desk takes, file extension included, on arbitrary bytes.
#[test]
fn read_manifest_never_panics_on_arbitrary_files() {
    let dir = std::env::temp_dir().join(format!("closedloop-props-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    });
    let extensions = ["csv", "xlsx", "xls", "jsonl", "json", "txt", "dat", "ods"];
    runner
        .run(
            &(
                manifest_bytes(),
                proptest::sample::select(extensions.to_vec()),
            ),
            |(bytes, extension)| {
                let path = dir.join(format!("m.{extension}"));
                std::fs::write(&path, &bytes).unwrap();
                let _ = read_manifest(&path, &opts());
                Ok(())
            },
        )
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
