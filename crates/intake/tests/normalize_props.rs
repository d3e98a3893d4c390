//! Properties of cell normalisation: every function is idempotent on its canonical output, and
//! realistic desk input (full-width characters, stray spaces, assorted separators and date
//! forms) normalises to the value it was generated from.

// Nested so that `cargo test normalize` selects these tests too.
mod normalize {
    use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
    use closedloop_intake::normalize::{
        DateError, date, datetime, document_number, excel_serial, phone, text, text_cow,
    };
    use proptest::prelude::*;
    use proptest::sample::select;

    const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

    /// The spaces desks produce, including the invisible ones.
    const SPACES: [&str; 9] = [
        " ",
        "  ",
        "\u{3000}",
        "\u{a0}",
        "\t",
        "\r\n",
        "\u{200b}",
        "\u{feff}",
        " \u{3000} ",
    ];

    fn full_width(c: char) -> char {
        if ('!'..='~').contains(&c) {
            char::from_u32(c as u32 + 0xFEE0).unwrap()
        } else {
            c
        }
    }

    /// Turns the ASCII characters of `s` full-width wherever `mask` says so.
    fn widen(s: &str, mask: &[bool]) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                if mask[i % mask.len()] {
                    full_width(c)
                } else {
                    c
                }
            })
            .collect()
    }

    /// An independent, allocation-happy statement of what text() means.
    fn text_model(s: &str) -> String {
        let is_space = |c: char| {
            c.is_whitespace() || matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}' | '\u{180e}')
        };
        let half = |c: char| {
            if ('\u{FF01}'..='\u{FF5E}').contains(&c) {
                char::from_u32(c as u32 - 0xFEE0).unwrap()
            } else {
                c
            }
        };
        let mapped: String = s
            .chars()
            .map(|c| if is_space(c) { ' ' } else { half(c) })
            .collect();
        mapped
            .split(' ')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn realistic_text() -> impl Strategy<Value = String> {
        let chunks = [
            "张三",
            "李四",
            "浦东机场",
            "ＡＢＣ",
            "abc",
            "１２３",
            "456",
            "，",
            "。",
            "-",
            "Ｅ",
            "e",
            "（",
            ")",
            "　",
            " ",
            "\u{a0}",
            "\t",
            "\r\n",
            "\u{200b}",
            "\u{feff}",
        ];
        prop::collection::vec(select(chunks.to_vec()), 0..12).prop_map(|v| v.concat())
    }

    fn mask() -> impl Strategy<Value = Vec<bool>> {
        prop::collection::vec(any::<bool>(), 1..40)
    }

    fn space() -> impl Strategy<Value = &'static str> {
        select(SPACES.to_vec())
    }

    fn padding() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just(""), space()]
    }

    // --- text and document numbers -------------------------------------------------------

    fn check_text(s: &str) -> Result<(), TestCaseError> {
        let once = text(s);
        prop_assert_eq!(text(&once), once.clone());
        let cow = text_cow(s);
        prop_assert_eq!(cow.as_ref(), once.as_str());
        prop_assert!(matches!(text_cow(&once), std::borrow::Cow::Borrowed(_)));
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        let clean =
            |c: char| c == ' ' || !(c.is_whitespace() || ('\u{FF01}'..='\u{FF5E}').contains(&c));
        prop_assert!(once.chars().all(clean), "{:?}", once);
        Ok(())
    }

    fn check_document_number(s: &str) -> Result<(), TestCaseError> {
        let once = document_number(s);
        prop_assert_eq!(document_number(&once), once.clone());
        prop_assert_eq!(once.clone(), text(s).replace(' ', "").to_ascii_uppercase());
        prop_assert!(!once.contains(' ') && !once.chars().any(|c| c.is_ascii_lowercase()));
        Ok(())
    }

    proptest! {
        #[test]
        fn text_is_idempotent_on_arbitrary_strings(s in any::<String>()) {
            check_text(&s)?;
        }

        #[test]
        fn text_matches_its_model_on_desk_input(s in realistic_text()) {
            check_text(&s)?;
            prop_assert_eq!(text(&s), text_model(&s));
        }

        #[test]
        fn document_number_is_idempotent_on_arbitrary_strings(s in any::<String>()) {
            check_document_number(&s)?;
        }

        #[test]
        fn document_numbers_are_read_through_spaces_and_width(
            number in "[A-Za-z]{1,2}[0-9]{7,9}(-[0-9]{2})?",
            gaps in prop::collection::vec(prop_oneof![Just(""), space()], 12),
            mask in mask(),
            pad in (padding(), padding()),
        ) {
            let spaced: String = number
                .chars()
                .zip(gaps.iter().cycle())
                .flat_map(|(c, gap)| std::iter::once(c.to_string()).chain(std::iter::once(gap.to_string())))
                .collect();
            let input = format!("{}{}{}", pad.0, widen(&spaced, &mask), pad.1);
            prop_assert_eq!(document_number(&input), number.to_ascii_uppercase());
            check_document_number(&input)?;
        }
    }

    // --- phones ----------------------------------------------------------------------------

    fn check_phone(s: &str) -> Result<(), TestCaseError> {
        for cc in ["86", "1", "44", "39"] {
            if let Ok(once) = phone(s, cc) {
                prop_assert!(
                    once.starts_with('+') && once[1..].bytes().all(|b| b.is_ascii_digit())
                );
                prop_assert!((8..=16).contains(&once.len()), "{}", once);
                prop_assert_eq!(phone(&once, cc), Ok(once.clone()));
                prop_assert_eq!(phone(&once, "86"), Ok(once.clone()));
            }
        }
        Ok(())
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        select(vec![
            "", " ", "-", ".", "  ", "\u{3000}", " - ", "—", "\u{a0}",
        ])
    }

    prop_compose! {
        fn mobile_input()(
            mobile in "1[3-9][0-9]{9}",
            prefix in select(vec![
                "", "+86", "+86 ", "+86-", "0086 ", "0086", "86", "86-", "86 ", "(+86)",
                "(+86) ", "(86)", "0",
            ]),
            seps in (separator(), separator()),
            mask in mask(),
            pad in (padding(), padding()),
        ) -> (String, String) {
            let formatted = format!(
                "{prefix}{}{}{}{}{}",
                &mobile[..3], seps.0, &mobile[3..7], seps.1, &mobile[7..]
            );
            (format!("{}{}{}", pad.0, widen(&formatted, &mask), pad.1), format!("+86{mobile}"))
        }
    }

    prop_compose! {
        fn landline_input()(
            area in prop_oneof!["10", "2[0-9]", "[3-9][0-9]{2}"],
            local in "[2-9][0-9]{6,7}",
            form in 0..6usize,
            seps in (separator(), separator()),
            mask in mask(),
        ) -> (String, String) {
            let (a, b) = seps;
            // Without a '+', "86" is only read as the country code when the number is too long
            // to be national.
            let form = if form == 5 && area.len() + local.len() < 10 { 0 } else { form };
            let formatted = match form {
                0 => format!("0{area}{a}{local}"),
                1 => format!("(0{area}){a}{local}"),
                2 => format!("+86{a}{area}{b}{local}"),
                3 => format!("+86 (0){area}{a}{local}"),
                4 => format!("0086{a}{area}{b}{local}"),
                _ => format!("86{a}{area}{b}{local}"),
            };
            (widen(&formatted, &mask), format!("+86{area}{local}"))
        }
    }

    proptest! {
        #[test]
        fn phone_is_idempotent_on_arbitrary_strings(s in any::<String>()) {
            check_phone(&s)?;
        }

        #[test]
        fn phone_is_idempotent_on_phone_like_strings(s in "[0-9０-９+()（） .\\-]{0,24}") {
            check_phone(&s)?;
        }

        #[test]
        fn chinese_mobiles_normalise((input, want) in mobile_input()) {
            prop_assert_eq!(phone(&input, "86"), Ok(want));
            check_phone(&input)?;
        }

        #[test]
        fn chinese_landlines_normalise((input, want) in landline_input()) {
            prop_assert_eq!(phone(&input, "86"), Ok(want));
            check_phone(&input)?;
        }

        #[test]
        fn international_numbers_keep_their_country(
            country in "[1-7][0-9]{0,2}",
            national in "[1-9][0-9]{6,10}",
            prefix in select(vec!["+", "00", "+ ", "00 "]),
            sep in separator(),
            mask in mask(),
        ) {
            prop_assume!(!country.starts_with("86"));
            let want = format!("+{country}{national}");
            prop_assume!(want.len() <= 16);
            let input = widen(&format!("{prefix}{country}{sep}{national}"), &mask);
            prop_assert_eq!(phone(&input, "86"), Ok(want));
        }
    }

    // --- dates -----------------------------------------------------------------------------

    fn check_date(s: &str) -> Result<(), TestCaseError> {
        if let Ok(once) = date(s) {
            prop_assert_eq!(date(&once.to_string()), Ok(once));
        }
        if let Ok((once, _)) = datetime(s) {
            let shown = once.format(DATETIME_FORMAT).to_string();
            prop_assert_eq!(datetime(&shown), Ok((once, true)));
            prop_assert_eq!(date(s), Ok(once.date()));
        }
        Ok(())
    }

    fn excel_epoch() -> NaiveDate {
        NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()
    }

    /// Dates from 1900-03-01 (after Excel's fictitious leap day) to the end of 2099.
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0u64..73_000).prop_map(|n| {
            NaiveDate::from_ymd_opt(1900, 3, 1)
                .unwrap()
                .checked_add_days(Days::new(n))
                .unwrap()
        })
    }

    fn any_time() -> impl Strategy<Value = NaiveTime> {
        (0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s).unwrap())
    }

    /// `date` written in one of the accepted forms, possibly with a time that date() drops.
    fn format_date(d: NaiveDate, t: NaiveTime, form: usize, pad: bool) -> String {
        use chrono::Datelike;
        let (y, m, day) = (d.year(), d.month(), d.day());
        let two = |n: u32| {
            if pad {
                format!("{n:02}")
            } else {
                n.to_string()
            }
        };
        let serial = (d - excel_epoch()).num_days();
        match form {
            0 => d.format("%Y-%m-%d").to_string(),
            1 => format!("{y}/{}/{}", two(m), two(day)),
            2 => format!("{y}.{}.{}", two(m), two(day)),
            3 => format!("{y}-{}-{}", two(m), two(day)),
            4 => format!("{y}年{}月{}日", two(m), two(day)),
            5 => format!("{y}年{}月{}号", two(m), two(day)),
            6 => d.format("%Y%m%d").to_string(),
            7 => format!("{}/{}/{y}", two(day), two(m)),
            8 => format!("{}/{}/{y}", two(m), two(day)),
            9 => format!("{serial}"),
            10 => format!("{serial}.0"),
            11 => d.and_time(t).format("%Y-%m-%dT%H:%M:%S").to_string(),
            _ => d.and_time(t).format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    const DATE_FORMS: usize = 13;

    /// The value and has-time flag datetime() should give for a generated input.
    fn format_datetime(d: NaiveDate, t: NaiveTime, form: usize) -> (String, NaiveDateTime, bool) {
        use chrono::{Datelike, Timelike};
        let (y, mo, day) = (d.year(), d.month(), d.day());
        let (h, mi, s) = (t.hour(), t.minute(), t.second());
        let h12 = if h % 12 == 0 { 12 } else { h % 12 };
        let iso = d.format("%Y-%m-%d");
        let at = |s| d.and_hms_opt(h, mi, s).unwrap();
        match form {
            0 => (
                d.and_time(t).format(DATETIME_FORMAT).to_string(),
                at(s),
                true,
            ),
            1 => (
                d.and_time(t).format("%Y-%m-%dT%H:%M:%S").to_string(),
                at(s),
                true,
            ),
            2 => (format!("{y}/{mo}/{day} {h}:{mi:02}"), at(0), true),
            3 => (format!("{y}年{mo}月{day}日{h}时{mi}分{s}秒"), at(s), true),
            4 => (format!("{y}年{mo}月{day}日 {h}点{mi}分"), at(0), true),
            5 => {
                let period = if h < 12 { "上午" } else { "下午" };
                (format!("{iso} {period}{h12}:{mi:02}"), at(0), true)
            }
            6 => {
                let period = if h < 12 { "AM" } else { "PM" };
                (format!("{iso} {h12}:{mi:02}:{s:02} {period}"), at(s), true)
            }
            7 => {
                let days = (d - excel_epoch()).num_days() as f64;
                let fraction = f64::from(t.num_seconds_from_midnight()) / 86_400.0;
                let has_time = t != NaiveTime::MIN;
                (format!("{:.10}", days + fraction), at(s), has_time)
            }
            _ => (
                format_date(d, t, form - 8, true),
                d.and_time(NaiveTime::MIN),
                false,
            ),
        }
    }

    const DATETIME_FORMS: usize = 8 + 11;

    proptest! {
        #[test]
        fn date_is_idempotent_on_arbitrary_strings(s in any::<String>()) {
            check_date(&s)?;
        }

        #[test]
        fn date_is_idempotent_on_date_like_strings(
            s in "[0-9０-９/\\-. :年月日号时分秒点半T上下午AMP]{0,22}",
        ) {
            check_date(&s)?;
        }

        #[test]
        fn dates_parse_to_the_generated_date(
            d in any_date(),
            t in any_time(),
            form in 0..DATE_FORMS,
            pad in any::<bool>(),
            mask in mask(),
            around in (padding(), padding()),
        ) {
            use chrono::Datelike;
            let written = format_date(d, t, form, pad);
            let input = format!("{}{}{}", around.0, widen(&written, &mask), around.1);
            let (day, month) = (d.day(), d.month());
            let ambiguous = (form == 7 || form == 8) && day <= 12 && day != month;
            if ambiguous {
                prop_assert_eq!(date(&input), Err(DateError::Ambiguous(text(&input))));
            } else {
                prop_assert_eq!(date(&input), Ok(d), "{:?}", input);
            }
            check_date(&input)?;
        }

        #[test]
        fn datetimes_parse_to_the_generated_value(
            d in any_date(),
            t in any_time(),
            form in 0..DATETIME_FORMS,
            mask in mask(),
            around in (padding(), padding()),
        ) {
            use chrono::Datelike;
            let (written, want, has_time) = format_datetime(d, t, form);
            let input = format!("{}{}{}", around.0, widen(&written, &mask), around.1);
            // Forms 8 + 7 and 8 + 8 are the day/month-first slash forms.
            let slash = form == 15 || form == 16;
            if slash && d.day() <= 12 && d.day() != d.month() {
                prop_assert_eq!(datetime(&input), Err(DateError::Ambiguous(text(&input))));
            } else {
                prop_assert_eq!(datetime(&input), Ok((want, has_time)), "{:?}", input);
            }
            check_date(&input)?;
        }

        #[test]
        fn excel_serials_round_trip(d in any_date(), t in any_time()) {
            let days = (d - excel_epoch()).num_days() as f64;
            let serial = days + f64::from(chrono::Timelike::num_seconds_from_midnight(&t)) / 86_400.0;
            prop_assert_eq!(excel_serial(serial), Some(d.and_time(t)));
        }
    }
}
