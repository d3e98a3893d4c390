//! A wrong value in a sheet's arrival block (above the header) no longer stops the row checks:
//! it is reported, naming the block's row, together with every other row's problems.

use closedloop_domain::Lang;
use closedloop_domain::port::PortDirectory;
use closedloop_intake::manifest::parse_grids;
use closedloop_intake::source::read_csv_bytes;
use closedloop_intake::{IntakeOptions, Manifest, Problem, RowError, summarize};

fn ports() -> PortDirectory {
    PortDirectory::from_toml(include_str!("../../../config/ports.toml")).unwrap()
}

fn import(csv: &str, ports: &PortDirectory) -> Manifest {
    let opts = IntakeOptions {
        ports,
        policy: None,
        default_country_code: "86".into(),
        transport_override: None,
        fallback_arrival: None,
        limits: Default::default(),
    };
    let grid = read_csv_bytes("名单.csv", csv.as_bytes()).unwrap();
    parse_grids("名单.csv", &[grid], &opts).expect("the rows are checked, not refused")
}

fn inherited_port(row: usize) -> Problem {
    Problem::AboveHeader {
        row,
        problem: Box::new(Problem::UnknownPort("北京西站".into())),
    }
}

const SHEET: &str = "某市入境人员转运名单
航班号：CA936 · 入境口岸：北京西站 · 抵达时间：2021-03-05 14:30
序号,姓名,国籍,证件号码,联系电话
1,张三,中国,E12345678,13812345678
2,,中国,E23456789,13812345679
3,李四,火星,E34567890,13812345670
4,王五,中国,E45678901,12345
";

#[test]
fn an_unknown_port_in_the_block_is_reported_with_every_bad_row() {
    let ports = ports();
    let m = import(SHEET, &ports);
    assert_eq!(m.data_rows, 4);
    assert!(m.rows.is_empty(), "no row may use the unknown port");
    let rejected: Vec<usize> = m.rejected.iter().map(|r| r.row).collect();
    assert_eq!(rejected, [4, 5, 6, 7]);
    let errors: Vec<&RowError> = m.errors().collect();

    // The block's port is named, with the block's row, on every row that takes it from there.
    for row in 4..=7 {
        assert!(
            errors.iter().any(|e| e.row == row
                && e.column == "入境口岸/port"
                && e.problem == inherited_port(2)),
            "row {row}: {errors:#?}"
        );
    }
    // And the rows' own problems are all there too.
    let own: Vec<(usize, &str)> = errors
        .iter()
        .filter(|e| !matches!(e.problem, Problem::AboveHeader { .. }))
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(own, [(5, "姓名"), (6, "国籍"), (7, "联系电话")]);
    assert!(
        matches!(errors[1].problem, Problem::Required),
        "{errors:#?}"
    );
    assert_eq!(errors[3].problem, Problem::UnknownCountry("火星".into()));
    assert!(
        matches!(errors[5].problem, Problem::Phone(_)),
        "{errors:#?}"
    );
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);

    let en = errors[0].message(Lang::En);
    assert!(
        en.starts_with(
            "row 4, column \"入境口岸/port\": from the block above the header (row 2): \
             unknown port \"北京西站\""
        ),
        "{en}"
    );

    // Read together, the block's problem is one line naming the rows.
    let owned: Vec<RowError> = errors.into_iter().cloned().collect();
    let lines = summarize(&owned, Lang::En);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "rows 4–7, column \"入境口岸/port\": from the block above the header (row 2): \
             unknown port \"北京西站\""
        ),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("row 5, column \"姓名\": is empty"),
        "{lines:#?}"
    );
    let zh = summarize(&owned, Lang::ZhCn);
    assert!(
        zh[0].starts_with(
            "第 4–7 行，“入境口岸/port”列：来自表头上方信息区（第 2 行）：无法识别的口岸"
        ),
        "{zh:#?}"
    );
}

#[test]
fn rows_giving_their_own_port_do_not_depend_on_the_block() {
    let ports = ports();
    let csv = "航班号：CA936 · 入境口岸：北京西站 · 抵达时间：2021-03-05 14:30
姓名,国籍,证件号码,入境口岸
张三,中国,E12345678,浦东机场
李四,中国,E34567890,
";
    let m = import(csv, &ports);
    assert_eq!(m.rows.len(), 1);
    assert_eq!(m.arrivals[0].port_code, "PVG");
    assert_eq!(m.rejected.len(), 1);
    assert_eq!(m.rejected[0].row, 4);
    assert_eq!(m.rejected[0].errors[0].problem, inherited_port(1));

    // When no row takes the wrong value, the sheet imports and the desk is still told.
    let csv = "航班号：CA936 · 入境口岸：北京西站 · 抵达时间：2021-03-05 14:30
姓名,国籍,证件号码,入境口岸
张三,中国,E12345678,浦东机场
";
    let m = import(csv, &ports);
    assert_eq!((m.rows.len(), m.rejected.len()), (1, 0));
    assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
    assert!(
        m.warnings[0].starts_with("row 1, column \"入境口岸/port\": unknown port \"北京西站\""),
        "{:?}",
        m.warnings
    );
    assert!(m.warnings[0].ends_with("(not used: every row gives its own)"));
}
