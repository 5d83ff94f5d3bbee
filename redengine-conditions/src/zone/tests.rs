use chrono::{NaiveDate, TimeZone};
use chrono_tz::Europe::Berlin;

use super::*;

fn local(month: u32, day: u32, h: u32, m: u32) -> i64 {
    wall(
        NaiveDate::from_ymd_opt(2024, month, day)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .unwrap(),
    )
}

fn utc(month: u32, day: u32, h: u32, m: u32) -> i64 {
    local(month, day, h, m)
}

fn east(hours: i32) -> FixedOffset {
    FixedOffset::east_opt(hours * 3600).unwrap()
}

#[test]
fn a_gap_moves_forward_by_its_length() {
    // 02:30 does not exist in Berlin on 2024-03-31: it becomes 03:30 CEST = 01:30 UTC.
    assert_eq!(
        utc_in(&Berlin, local(3, 31, 2, 30)),
        (utc(3, 31, 1, 30), utc(3, 31, 1, 30))
    );
    assert_eq!(wall_in(&Berlin, utc(3, 31, 1, 30)), local(3, 31, 3, 30));
}

#[test]
fn an_ambiguous_time_is_the_earlier_instant() {
    // 02:30 happens twice on 2024-10-27: 00:30 UTC (CEST) and 01:30 UTC (CET).
    assert_eq!(
        utc_in(&Berlin, local(10, 27, 2, 30)),
        (utc(10, 27, 0, 30), utc(10, 27, 1, 30))
    );
    // 03:00 happens once: the clock goes from 02:59:59 CEST to 02:00 CET.
    assert_eq!(
        utc_in(&Berlin, local(10, 27, 3, 0)),
        (utc(10, 27, 2, 0), utc(10, 27, 2, 0))
    );
}

#[test]
fn ordinary_times_convert_both_ways() {
    let summer = local(7, 1, 12, 0);
    let (us, _) = utc_in(&Berlin, summer);
    assert_eq!(us, utc(7, 1, 10, 0));
    assert_eq!(wall_in(&Berlin, us), summer);
}

#[test]
fn fixed_zones_shift_by_their_offset() {
    let zone = Zone::Fixed(east(2));
    assert_eq!(zone.wall_of(utc(1, 1, 10, 0)), local(1, 1, 12, 0));
    assert_eq!(zone.utc_of(local(1, 1, 12, 0)), utc(1, 1, 10, 0));
    let t = instant(utc(1, 1, 10, 0));
    assert_eq!(zone.from_local(zone.to_local(t)), t);
}

#[test]
fn names_parse_and_print() {
    let parse = |s: &str| s.parse::<Zone>();
    assert_eq!(parse("UTC"), Ok(Zone::Utc));
    assert_eq!(parse("utc"), Ok(Zone::Utc));
    assert_eq!(parse("local"), Ok(Zone::Local));
    assert_eq!(parse("Europe/Berlin"), Ok(Zone::Named(Berlin)));
    assert_eq!(
        parse("UTC+05:30").map(|z| z.to_string()),
        Ok("UTC+05:30".into())
    );
    assert_eq!(
        parse("UTC-03:00").map(|z| z.to_string()),
        Ok("UTC-03:00".into())
    );
    for zone in [Zone::Utc, Zone::Named(Berlin), Zone::Fixed(east(-3))] {
        assert_eq!(parse(&zone.to_string()), Ok(zone));
    }
    assert!(Zone::Local.to_string().starts_with("local time"));
}

#[test]
fn misspelled_names_get_a_suggestion() {
    let err = |s: &str| s.parse::<Zone>().unwrap_err();
    assert_eq!(err("Europe/Helsinky").suggestion(), Some("Europe/Helsinki"));
    assert_eq!(err("europe/helsinki").suggestion(), Some("Europe/Helsinki"));
    assert_eq!(
        err("America/New York").suggestion(),
        Some("America/New_York")
    );
    assert_eq!(err("Helsinki").suggestion(), Some("Europe/Helsinki"));
    assert_eq!(err("Lcoal").suggestion(), Some("local"));
    let e = err("Mars/Olympus_Mons");
    assert_eq!(e.suggestion(), None);
    assert_eq!(
        e.to_string(),
        "unknown time zone `Mars/Olympus_Mons`; write an IANA name such as \
         `Europe/Helsinki` or `America/New_York`, `UTC`, `local`, or an offset such as \
         `UTC+05:30`"
    );
    assert!(err("UTC+25:00")
        .to_string()
        .starts_with("unknown time zone `UTC+25:00`"));
}

#[test]
fn offsets_at_instants() {
    let zone = Zone::Named(Berlin);
    assert_eq!(zone.offset_at(instant(utc(1, 15, 12, 0))), east(1));
    assert_eq!(zone.offset_at(instant(utc(7, 15, 12, 0))), east(2));
    assert_eq!(
        zone.with_offset(instant(utc(10, 27, 1, 0))).to_rfc3339(),
        "2024-10-27T02:00:00+01:00"
    );
    assert_eq!(
        Zone::Utc.offset_at(Utc.timestamp_opt(0, 0).unwrap()),
        east(0)
    );
}
/// A zone that answers every wall-clock lookup with "ambiguous", as the system-zone
/// implementation did for the first instant after a fall-back change; instants are
/// Berlin's.
#[derive(Debug, Clone, Copy)]
struct Liar;

impl TimeZone for Liar {
    type Offset = FixedOffset;

    fn from_offset(_: &FixedOffset) -> Self {
        Liar
    }

    fn offset_from_local_date(&self, _: &NaiveDate) -> chrono::MappedLocalTime<FixedOffset> {
        chrono::MappedLocalTime::Ambiguous(east(1), east(2))
    }

    fn offset_from_local_datetime(
        &self,
        _: &NaiveDateTime,
    ) -> chrono::MappedLocalTime<FixedOffset> {
        chrono::MappedLocalTime::Ambiguous(east(1), east(2))
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
        Berlin.offset_from_utc_date(utc).fix()
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
        Berlin.offset_from_utc_datetime(utc).fix()
    }
}

#[test]
fn wall_times_are_checked_against_the_instants_they_give() {
    // 03:00 on Berlin's fall-back day happens once (02:00 UTC), whatever the zone's
    // wall-clock lookup claims.
    let once = utc(10, 27, 2, 0);
    assert_eq!(utc_in(&Liar, local(10, 27, 3, 0)), (once, once));
    let summer = utc(7, 1, 10, 0);
    assert_eq!(utc_in(&Liar, local(7, 1, 12, 0)), (summer, summer));
    assert_eq!(
        utc_in(&Liar, local(10, 27, 2, 30)),
        (utc(10, 27, 0, 30), utc(10, 27, 1, 30))
    );
}
