//! Hạ Long's real units (from `/work/shared/data`): 33 in 2023, the 2024 merger of Yết
//! Kiêu, and the 2025 reform with two split units; grouping figures by today's unit.

use std::collections::BTreeMap;

use ledger_domain::projection::poverty::status_counts;
use ledger_domain::projection::units::{
    current_unit, mapping_table, units_valid_on, UNASSIGNABLE_NOTE,
};
use ledger_domain::projection::{UnitBucket, UnitGrouping};
use ledger_domain::Command;

use crate::helpers::*;

/// `code,name,kind,valid_from,valid_to` of the 33 units of 2023.
pub const UNITS_2023: &str = "code,name,kind,valid_from,valid_to
06649,Hà Khánh,ward,,2025-06-30
06652,Hà Phong,ward,,2025-06-30
06655,Hà Khẩu,ward,,2025-06-30
06658,Cao Xanh,ward,,2025-06-30
06661,Giếng Đáy,ward,,2025-06-30
06664,Hà Tu,ward,,2025-06-30
06667,Hà Trung,ward,,2025-06-30
06670,Hà Lầm,ward,,2025-06-30
06673,Bãi Cháy,ward,,2025-06-30
06676,Cao Thắng,ward,,2025-06-30
06679,Hùng Thắng,ward,,2025-06-30
06682,Yết Kiêu,ward,,2024-10-31
06685,Trần Hưng Đạo,ward,,2025-06-30
06688,Hồng Hải,ward,,2025-06-30
06691,Hồng Gai,ward,,2025-06-30
06694,Bạch Đằng,ward,,2025-06-30
06697,Hồng Hà,ward,,2025-06-30
06700,Tuần Châu,ward,,2025-06-30
06703,Việt Hưng,ward,,2025-06-30
06706,Đại Yên,ward,,2025-06-30
07030,Hoành Bồ,ward,,2025-06-30
07033,Kỳ Thượng,commune,,2025-06-30
07036,Đồng Sơn,commune,,2025-06-30
07039,Tân Dân,commune,,2025-06-30
07042,Đồng Lâm,commune,,2025-06-30
07045,Hòa Bình,commune,,2025-06-30
07048,Vũ Oai,commune,,2025-06-30
07051,Dân Chủ,commune,,2025-06-30
07054,Quảng La,commune,,2025-06-30
07057,Bằng Cả,commune,,2025-06-30
07060,Thống Nhất,commune,,2025-06-30
07063,Sơn Dương,commune,,2025-06-30
07066,Lê Lợi,commune,,2025-06-30";

/// `old_code,old_name,new_code,new_name,effective_on` of the 2024 merger.
pub const MERGE_2024: &str = "old_code,old_name,new_code,new_name,effective_on
06682,Yết Kiêu,06685,Trần Hưng Đạo,2024-11-01";

/// The same columns for the 1 July 2025 reform (split units have one row per new unit).
pub const MERGE_2025: &str = "old_code,old_name,new_code,new_name,effective_on
06649,Hà Khánh,06658,Cao Xanh,2025-07-01
06652,Hà Phong,06652,Hà Tu,2025-07-01
06655,Hà Khẩu,06661,Việt Hưng,2025-07-01
06655,Hà Khẩu,06706,Tuần Châu,2025-07-01
06658,Cao Xanh,06658,Cao Xanh,2025-07-01
06661,Giếng Đáy,06661,Việt Hưng,2025-07-01
06664,Hà Tu,06652,Hà Tu,2025-07-01
06667,Hà Trung,06676,Hà Lầm,2025-07-01
06670,Hà Lầm,06676,Hà Lầm,2025-07-01
06673,Bãi Cháy,06673,Bãi Cháy,2025-07-01
06676,Cao Thắng,06676,Hà Lầm,2025-07-01
06679,Hùng Thắng,06673,Bãi Cháy,2025-07-01
06685,Trần Hưng Đạo,06685,Hồng Gai,2025-07-01
06688,Hồng Hải,06688,Hạ Long,2025-07-01
06691,Hồng Gai,06685,Hồng Gai,2025-07-01
06694,Bạch Đằng,06685,Hồng Gai,2025-07-01
06697,Hồng Hà,06688,Hạ Long,2025-07-01
06700,Tuần Châu,06706,Tuần Châu,2025-07-01
06703,Việt Hưng,06661,Việt Hưng,2025-07-01
06706,Đại Yên,06706,Tuần Châu,2025-07-01
07030,Hoành Bồ,07030,Hoành Bồ,2025-07-01
07033,Kỳ Thượng,06979,Kỳ Thượng,2025-07-01
07036,Đồng Sơn,06985,Lương Minh,2025-07-01
07039,Tân Dân,07054,Quảng La,2025-07-01
07042,Đồng Lâm,07030,Hoành Bồ,2025-07-01
07042,Đồng Lâm,07060,Thống Nhất,2025-07-01
07045,Hòa Bình,07060,Thống Nhất,2025-07-01
07048,Vũ Oai,07060,Thống Nhất,2025-07-01
07051,Dân Chủ,07054,Quảng La,2025-07-01
07054,Quảng La,07054,Quảng La,2025-07-01
07057,Bằng Cả,07054,Quảng La,2025-07-01
07060,Thống Nhất,07060,Thống Nhất,2025-07-01
07063,Sơn Dương,07030,Hoành Bồ,2025-07-01
07066,Lê Lợi,07030,Hoành Bồ,2025-07-01";

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines().skip(1).map(|line| line.split(',').collect())
}

/// Commands registering every unit and recording both mergers.
pub fn halong_geography() -> Vec<Command> {
    let mut commands = Vec::new();
    for row in rows(UNITS_2023) {
        commands.push(register_unit(
            row[0],
            row[1],
            row[2],
            None,
            Some(row[4]),
            "2021-02-03",
        ));
    }
    let mut new_units = BTreeMap::new();
    for row in rows(MERGE_2025) {
        new_units.insert(row[2], row[3]);
    }
    for (code, name) in &new_units {
        let kind = if ["06979", "06985", "07054", "07060"].contains(code) {
            "commune"
        } else {
            "ward"
        };
        commands.push(register_unit(
            code,
            name,
            kind,
            Some("2025-07-01"),
            None,
            "2025-06-16",
        ));
    }
    for row in rows(MERGE_2024) {
        commands.push(merge(&[row[0]], &[row[2]], row[4]));
    }
    let mut targets: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in rows(MERGE_2025) {
        targets.entry(row[0]).or_default().push(row[2]);
    }
    let mut wholly_into: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (old, new) in &targets {
        if new.len() > 1 {
            commands.push(merge(&[old], new, "2025-07-01"));
        } else {
            wholly_into.entry(new[0]).or_default().push(old);
        }
    }
    for (new, old) in wholly_into {
        commands.push(merge(&old, &[new], "2025-07-01"));
    }
    commands
}

fn halong() -> Scenario {
    Scenario::given(halong_geography())
}

fn label(bucket: &UnitBucket) -> String {
    match bucket {
        UnitBucket::Unit(unit) => format!("{} {}", unit.code, unit.name),
        UnitBucket::Unassignable {
            from, candidates, ..
        } => {
            let names: Vec<String> = candidates.iter().map(|c| c.name.clone()).collect();
            format!("{} {} -> {}", from.code, from.name, names.join("|"))
        }
        UnitBucket::Unspecified => "-".to_owned(),
    }
}

#[test]
fn thirty_three_communes_and_wards_were_in_force_in_2023() {
    let s = halong();
    assert_eq!(units_valid_on(&s.ledger, d("2023-12-31")).len(), 33);
    assert_eq!(units_valid_on(&s.ledger, d("2025-01-01")).len(), 32);
    assert_eq!(units_valid_on(&s.ledger, d("2025-07-01")).len(), 13);
}

#[test]
fn yet_kieu_maps_to_hong_gai_through_tran_hung_dao() {
    let s = halong();
    let in_2025 = current_unit(&s.ledger, "06682", d("2023-06-01"), d("2025-01-01")).unwrap();
    assert_eq!(label(&in_2025), "06685 Trần Hưng Đạo");
    let today = current_unit(&s.ledger, "06682", d("2023-06-01"), d("2026-01-01")).unwrap();
    assert_eq!(label(&today), "06685 Hồng Gai");
}

#[test]
fn a_split_unit_is_unassignable_without_household_data() {
    let s = halong();
    let bucket = current_unit(&s.ledger, "06655", d("2023-06-01"), d("2026-01-01")).unwrap();
    assert_eq!(label(&bucket), "06655 Hà Khẩu -> Việt Hưng|Tuần Châu");
    let UnitBucket::Unassignable { note, .. } = bucket else {
        unreachable!()
    };
    assert_eq!(note, UNASSIGNABLE_NOTE);
    assert_eq!(note, "unassignable without household-level data");
}

#[test]
fn a_reused_code_maps_by_validity_not_by_code() {
    let s = halong();
    let hà_phong = current_unit(&s.ledger, "06652", d("2023-06-01"), d("2023-06-01")).unwrap();
    assert_eq!(label(&hà_phong), "06652 Hà Phong");
    let old_hà_tu = current_unit(&s.ledger, "06664", d("2023-06-01"), d("2026-01-01")).unwrap();
    assert_eq!(label(&old_hà_tu), "06652 Hà Tu");
    let cao_thắng = current_unit(&s.ledger, "06676", d("2023-06-01"), d("2026-01-01")).unwrap();
    assert_eq!(label(&cao_thắng), "06676 Hà Lầm");
}

#[test]
fn only_the_two_split_units_are_unassignable_today() {
    let s = halong();
    let table = mapping_table(&s.ledger, d("2026-01-01"));
    assert_eq!(table.len(), 33 + 13);
    let unassignable: Vec<String> = table
        .iter()
        .filter(|row| matches!(row.current, UnitBucket::Unassignable { .. }))
        .map(|row| row.unit.code.clone())
        .collect();
    assert_eq!(unassignable, ["06655", "07042"]);
}

#[test]
fn figures_can_be_grouped_by_the_recorded_unit_or_by_today_s_unit() {
    let mut s = halong();
    s.record(register_standard(
        "national-2022-2025",
        "1500000",
        "2000000",
        "2022-01-01",
        "2025-12-31",
    ));
    for (household, unit) in [
        ("a", "07057"),
        ("b", "07051"),
        ("c", "07054"),
        ("d", "06655"),
    ] {
        s.record(register_household(household, unit, "2023-01-01"));
        s.record(classify(
            household,
            "national-2022-2025",
            "near_poor",
            "2023-02-01",
        ));
    }
    let recorded = status_counts(&s.ledger, None, UnitGrouping::AsRecorded);
    assert_eq!(recorded.len(), 4);
    let today = status_counts(&s.ledger, None, UnitGrouping::CurrentOn(d("2026-01-01")));
    let summary: Vec<(String, u64)> = today
        .iter()
        .map(|row| (label(&row.unit), row.counts.near_poor))
        .collect();
    assert_eq!(
        summary,
        [
            ("06655 Hà Khẩu -> Việt Hưng|Tuần Châu".to_owned(), 1),
            ("07054 Quảng La".to_owned(), 3)
        ]
    );
}
