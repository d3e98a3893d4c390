use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use closedloop_intake::source::{
    Cell, Format, Grid, SourceError, read_csv_bytes, read_jsonl_bytes, read_path,
};
use proptest::prelude::*;

/// A fresh directory per test, removed on drop: tests run in parallel and `tempfile` is not a
/// dependency of this crate.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "closedloop-source-{test}-{}-{unique}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn numbers(grid: &Grid) -> Vec<usize> {
    grid.rows.iter().map(|row| row.number).collect()
}

fn texts(grid: &Grid, row: usize) -> Vec<String> {
    grid.rows[row]
        .cells
        .iter()
        .map(|cell| cell.as_text().into_owned())
        .collect()
}

#[test]
fn utf8_csv_with_bom_and_chinese_headers() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice("姓名,证件号码,手机号\n张三,E12345678,13812345678\n".as_bytes());
    let dir = TempDir::new("bom");
    let path = dir.join("名单.csv");
    std::fs::write(&path, &bytes).unwrap();

    let grids = read_path(&path).unwrap();
    assert_eq!(grids.len(), 1);
    let grid = &grids[0];
    assert_eq!(grid.name, "名单.csv");
    assert_eq!(grid.format, Format::Csv);
    assert_eq!(grid.encoding, "UTF-8");
    assert_eq!(grid.header, None);
    assert_eq!(
        grid.rows[0].cells,
        vec![text("姓名"), text("证件号码"), text("手机号")]
    );
    assert_eq!(texts(grid, 1), ["张三", "E12345678", "13812345678"]);
    assert_eq!(numbers(grid), [1, 2]);
}

#[test]
fn gb18030_csv_is_decoded() {
    let source = "姓名,证件号码,国籍\r\n李四,G12345678,中国香港\r\n王五,,日本\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(source);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());

    let grid = read_csv_bytes("gbk.csv", &bytes).unwrap();
    assert_eq!(grid.encoding, "GB18030");
    assert_eq!(texts(&grid, 0), ["姓名", "证件号码", "国籍"]);
    assert_eq!(
        grid.rows[2].cells,
        vec![text("王五"), Cell::Empty, text("日本")]
    );
    assert_eq!(grid.rows[1].cells[2], text("中国香港"));
    assert_eq!(numbers(&grid), [1, 2, 3]);
}

#[test]
fn utf8_with_a_damaged_byte_is_an_error_not_gb18030_mojibake() {
    let mut bytes = "姓名,证件号码\n张三,E1\n李四,E2\n王五,E3\n赵六,E4\n"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"\xFF,E5\n");
    let err = read_csv_bytes("broken.csv", &bytes).unwrap_err();
    assert!(
        matches!(err, SourceError::Encoding { line: 6, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("broken.csv, line 6"), "{err}");
}

#[test]
fn utf16_with_bom_is_decoded() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "姓名\t护照号\n张三\tE1\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let grid = read_csv_bytes("unicode.txt", &bytes).unwrap();
    assert_eq!(grid.encoding, "UTF-16LE");
    assert_eq!(texts(&grid, 1), ["张三", "E1"]);
}

#[test]
fn semicolon_delimiter_with_unquoted_commas() {
    let source = "姓名;地址;证件号码\n张三;北京市, 朝阳区;E1\n李四;上海市;E2\n王五;广州市, 天河区, 某路;E3\n";
    let grid = read_csv_bytes("semi.csv", source.as_bytes()).unwrap();
    assert_eq!(texts(&grid, 0), ["姓名", "地址", "证件号码"]);
    assert_eq!(texts(&grid, 1), ["张三", "北京市, 朝阳区", "E1"]);
    assert_eq!(texts(&grid, 3), ["王五", "广州市, 天河区, 某路", "E3"]);
}

#[test]
fn tab_delimiter_from_a_tsv_file() {
    let dir = TempDir::new("tsv");
    let path = dir.join("desk.tsv");
    std::fs::write(
        &path,
        "序号\t姓名\t备注\n1\t张三\t到达, 待转运\n2\t李四\t\n",
    )
    .unwrap();
    let grid = &read_path(&path).unwrap()[0];
    assert_eq!(texts(grid, 1), ["1", "张三", "到达, 待转运"]);
    // Trailing empty cells are not kept.
    assert_eq!(texts(grid, 2), ["2", "李四"]);
    assert_eq!(grid.rows[2].get(2), &Cell::Empty);
    assert_eq!(grid.rows[2].get(99), &Cell::Empty);
}

#[test]
fn title_row_and_key_value_block_above_the_header_keep_row_numbers() {
    let source = "\
2024年3月1日入境人员转运名单,,,
,,,
航班号,CA936
到达时间,2024-03-01 14:30

序号,姓名,证件号码,手机号
1,张三,E12345678,13812345678
   ,  ,,
2,李四,G87654321,13900000000
";
    let grid = read_csv_bytes("desk.csv", source.as_bytes()).unwrap();
    assert_eq!(numbers(&grid), [1, 3, 4, 6, 7, 9]);
    assert_eq!(
        grid.rows[0].cells,
        vec![text("2024年3月1日入境人员转运名单")]
    );
    assert_eq!(texts(&grid, 1), ["航班号", "CA936"]);
    assert_eq!(texts(&grid, 3), ["序号", "姓名", "证件号码", "手机号"]);
    assert_eq!(texts(&grid, 5), ["2", "李四", "G87654321", "13900000000"]);
    assert_eq!(grid.width(), 4);
}

#[test]
fn quoted_multi_line_field_shifts_the_following_row_numbers() {
    for newline in ["\n", "\r\n"] {
        let source = [
            "序号,姓名,备注",
            "1,张三,\"第一行",
            "第二行",
            "第三行, 含\"\"引号\"\"\"",
            "",
            "2,李四,ok",
            "3,\"王\"\"五\",",
        ]
        .join(newline);
        let grid = read_csv_bytes("multi.csv", source.as_bytes()).unwrap();
        assert_eq!(numbers(&grid), [1, 2, 6, 7], "newline {newline:?}");
        assert_eq!(
            grid.rows[1].cells[2],
            text(&format!("第一行{newline}第二行{newline}第三行, 含\"引号\""))
        );
        assert_eq!(texts(&grid, 3), ["3", "王\"五"]);
    }
}

#[test]
fn empty_csv_is_an_error() {
    let err = read_csv_bytes("empty.csv", b"\n,,,\n  \n").unwrap_err();
    assert!(matches!(err, SourceError::Empty { .. }), "{err:?}");
    assert!(err.to_string().contains("empty.csv"));
}

#[test]
fn xlsx_with_title_rows_phone_numbers_and_dates() {
    use rust_xlsxwriter::{ExcelDateTime, Format as XlsxFormat, Workbook};

    let dir = TempDir::new("xlsx");
    let path = dir.join("manifest.xlsx");
    let date_format = XlsxFormat::new().set_num_format("yyyy-mm-dd");
    let datetime_format = XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm");
    let mut workbook = Workbook::new();

    let sheet = workbook.add_worksheet();
    sheet.set_name("名单").unwrap();
    sheet.write_string(0, 0, "入境人员名单").unwrap();
    sheet.write_string(2, 0, "序号").unwrap();
    sheet.write_string(2, 1, "姓名").unwrap();
    sheet.write_string(2, 2, "手机号").unwrap();
    sheet.write_string(2, 3, "入境日期").unwrap();
    sheet.write_string(2, 4, "到达时间").unwrap();
    sheet.write_string(2, 5, "已转运").unwrap();
    sheet.write_number(3, 0, 1).unwrap();
    sheet.write_string(3, 1, "张三").unwrap();
    sheet.write_number(3, 2, 13812345678.0).unwrap();
    let date = ExcelDateTime::from_ymd(2024, 3, 1).unwrap();
    sheet
        .write_datetime_with_format(3, 3, &date, &date_format)
        .unwrap();
    let datetime = ExcelDateTime::from_ymd(2024, 3, 1)
        .unwrap()
        .and_hms(18, 0, 0)
        .unwrap();
    sheet
        .write_datetime_with_format(3, 4, &datetime, &datetime_format)
        .unwrap();
    sheet.write_boolean(3, 5, true).unwrap();
    sheet.write_number(5, 0, 2).unwrap();
    sheet.write_string(5, 1, "李四").unwrap();
    // A date typed as a number with a date format is still a date.
    sheet
        .write_number_with_format(5, 3, 45353, &date_format)
        .unwrap();

    // Nothing on this sheet: it must not become a grid.
    workbook.add_worksheet().set_name("空白").unwrap();

    let offset = workbook.add_worksheet();
    offset.set_name("补录").unwrap();
    offset.write_string(4, 2, "证件号码").unwrap();
    offset.write_string(5, 2, "E1").unwrap();

    let hidden = workbook.add_worksheet();
    hidden.set_name("下拉选项").unwrap();
    hidden.write_string(0, 0, "是").unwrap();
    hidden.set_hidden(true);

    workbook.save(&path).unwrap();

    let grids = read_path(&path).unwrap();
    let names: Vec<&str> = grids.iter().map(|grid| grid.name.as_str()).collect();
    assert_eq!(names, ["名单", "补录"]);

    let grid = &grids[0];
    assert_eq!(grid.format, Format::Spreadsheet);
    assert_eq!(grid.encoding, "xlsx");
    assert_eq!(grid.header, None);
    assert_eq!(numbers(grid), [1, 3, 4, 6]);
    assert_eq!(grid.rows[0].cells, vec![text("入境人员名单")]);
    let row = &grid.rows[2].cells;
    assert_eq!(row[0], Cell::Number(1.0));
    assert_eq!(row[1], text("张三"));
    assert_eq!(row[2], Cell::Number(13812345678.0));
    assert_eq!(row[2].as_text(), "13812345678");
    assert_eq!(row[3], Cell::DateTime(45352.0));
    assert_eq!(row[4], Cell::DateTime(45352.75));
    assert_eq!(row[5], Cell::Bool(true));
    assert_eq!(grid.rows[3].cells[3], Cell::DateTime(45353.0));
    assert_eq!(grid.rows[3].get(2), &Cell::Empty);

    // Leading empty rows and columns keep their place.
    let offset = &grids[1];
    assert_eq!(numbers(offset), [5, 6]);
    assert_eq!(
        offset.rows[0].cells,
        vec![Cell::Empty, Cell::Empty, text("证件号码")]
    );
}

#[test]
fn renamed_workbook_is_read_by_content() {
    use rust_xlsxwriter::Workbook;

    let dir = TempDir::new("renamed");
    let mut workbook = Workbook::new();
    workbook.add_worksheet().write_string(1, 1, "姓名").unwrap();
    let path = dir.join("export.csv");
    workbook.save(&path).unwrap();
    let grids = read_path(&path).unwrap();
    assert_eq!(grids[0].format, Format::Spreadsheet);
    assert_eq!(grids[0].rows[0].number, 2);

    // Web systems save tab-separated text as ".xls".
    let path = dir.join("platform.xls");
    std::fs::write(&path, "姓名\t证件号码\n张三\tE1\n").unwrap();
    let grid = &read_path(&path).unwrap()[0];
    assert_eq!(grid.format, Format::Csv);
    assert_eq!(texts(grid, 1), ["张三", "E1"]);
}

#[test]
fn json_lines_with_differing_key_orders() {
    let source = r#"{"name": "张三", "passport": "E1", "age": 30, "vip": true}

{"passport": "E2", "name": "李四", "phone": "13812345678", "tags": ["a", 1], "age": null}
{"extra": {"k": "v"}, "name": "王五", "id": 110101199003077777, "ratio": 0.5}
"#;
    let grid = read_jsonl_bytes("push.jsonl", source.as_bytes()).unwrap();
    assert_eq!(grid.format, Format::JsonLines);
    assert_eq!(grid.encoding, "UTF-8");
    assert_eq!(
        grid.header.as_deref().unwrap(),
        [
            "name", "passport", "age", "vip", "phone", "tags", "extra", "id", "ratio"
        ]
    );
    assert_eq!(numbers(&grid), [1, 3, 4]);
    assert!(grid.rows.iter().all(|row| row.cells.len() == 9));
    assert_eq!(
        grid.rows[0].cells[..4],
        [
            text("张三"),
            text("E1"),
            Cell::Number(30.0),
            Cell::Bool(true)
        ]
    );
    let second = &grid.rows[1].cells;
    assert_eq!(second[0], text("李四"));
    assert_eq!(second[1], text("E2"));
    assert_eq!(second[2], Cell::Empty);
    assert_eq!(second[4], text("13812345678"));
    // Arrays, objects and numbers past an f64's digits are kept as JSON, never as text.
    assert_eq!(second[5], Cell::Json(r#"["a",1]"#.into()));
    let third = &grid.rows[2].cells;
    assert_eq!(third[6], Cell::Json(r#"{"k":"v"}"#.into()));
    // Beyond 2^53 an f64 would silently change the digits.
    assert_eq!(third[7], Cell::Json("110101199003077777".into()));
    assert_eq!(third[8], Cell::Number(0.5));
}

#[test]
fn json_lines_bad_line_names_its_number() {
    let source = "{\"name\": \"张三\"}\n\n[\"not\", \"an object\"]\n";
    let err = read_jsonl_bytes("push.jsonl", source.as_bytes()).unwrap_err();
    assert!(matches!(err, SourceError::Json { line: 3, .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("push.jsonl, line 3"), "{message}");
    assert!(message.contains("JSON object"), "{message}");

    let source = "{\"name\": \"张三\"}\n{\"name\": \"李四\",\n";
    let err = read_jsonl_bytes("push.jsonl", source.as_bytes()).unwrap_err();
    assert!(matches!(err, SourceError::Json { line: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
}

#[test]
fn unknown_extension_is_sniffed() {
    let dir = TempDir::new("sniff");
    let json = dir.join("push.dat");
    std::fs::write(&json, "{\"name\": \"张三\"}\n").unwrap();
    assert_eq!(read_path(&json).unwrap()[0].format, Format::JsonLines);

    let csv = dir.join("desk.export");
    std::fs::write(&csv, "姓名;证件号码\n张三;E1\n").unwrap();
    let grid = &read_path(&csv).unwrap()[0];
    assert_eq!(grid.format, Format::Csv);
    assert_eq!(texts(grid, 1), ["张三", "E1"]);

    let binary = dir.join("photo.bin");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 0, 0, 13]).unwrap();
    let err = read_path(&binary).unwrap_err();
    assert!(matches!(err, SourceError::UnknownFormat { .. }), "{err:?}");

    let missing = dir.join("missing.csv");
    assert!(matches!(
        read_path(&missing).unwrap_err(),
        SourceError::Io { .. }
    ));
}

#[test]
fn cell_as_text_reads_like_the_sheet() {
    assert_eq!(Cell::Number(12345678.0).as_text(), "12345678");
    assert_eq!(Cell::Number(13812345678.0).as_text(), "13812345678");
    assert_eq!(Cell::Number(-0.0).as_text(), "0");
    assert_eq!(Cell::Number(1.5).as_text(), "1.5");
    assert_eq!(Cell::Number(0.1 + 0.2).as_text(), "0.3");
    assert_eq!(
        Cell::Number(1.1010119900307778e17).as_text(),
        "110101199003078000"
    );
    assert_eq!(Cell::DateTime(45352.75).as_text(), "45352.75");
    assert_eq!(Cell::Bool(false).as_text(), "FALSE");
    assert_eq!(Cell::Empty.as_text(), "");
    assert!(Cell::Text(" \t".to_owned()).is_empty());
    assert!(!Cell::Number(0.0).is_empty());
}

proptest! {
    /// Whatever the csv crate writes, we read back with the line where each record starts.
    #[test]
    fn csv_round_trip_keeps_fields_and_line_numbers(
        records in prop::collection::vec(
            prop::collection::vec("[a-z0-9张三李四, \"\n]{0,6}", 3),
            1..20,
        )
    ) {
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for record in &records {
            let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(record).unwrap();
            bytes.extend_from_slice(&writer.into_inner().unwrap());

            let mut cells: Vec<Cell> = record
                .iter()
                .map(|field| if field.is_empty() { Cell::Empty } else { text(field) })
                .collect();
            while cells.last().is_some_and(Cell::is_empty) {
                cells.pop();
            }
            if !cells.is_empty() {
                expected.push((line, cells));
            }
        }
        match read_csv_bytes("prop.csv", &bytes) {
            Ok(grid) => {
                let actual: Vec<(usize, Vec<Cell>)> =
                    grid.rows.into_iter().map(|row| (row.number, row.cells)).collect();
                prop_assert_eq!(actual, expected);
            }
            Err(SourceError::Empty { .. }) => prop_assert!(expected.is_empty()),
            Err(err) => prop_assert!(false, "{}", err),
        }
    }
}
