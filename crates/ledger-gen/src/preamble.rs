//! What the whole ledger shares, written with the first region: the two poverty standards
//! of the fixture (data, not code).

use crate::calendar::{Day, Month};
use crate::line::{rank, Bucket};
use crate::names::{ENHANCED, INDICATOR_RULE, NATIONAL};
use crate::piece::{Amount, Text};

/// The national standard's name.
const NATIONAL_NAME: &str =
    "Chuẩn nghèo đa chiều quốc gia giai đoạn 2022–2025 (Nghị định 07/2021/NĐ-CP)";
/// The province's enhanced standard's name.
const ENHANCED_NAME: &str = "Chuẩn nghèo đa chiều nâng cao của tỉnh Quảng Ninh giai đoạn 2023–2025";
/// What the enhanced standard adds to the shared rule.
const ENHANCED_RULE: &str = " (the national indicators with the province's higher income lines)";

/// Writes the standards registered in `month`.
pub fn emit_standards(month: Month, bucket: &mut Bucket) {
    let national = Day::ymd(2022, 1, 1);
    let enhanced = Day::ymd(2023, 1, 1);
    let standards = [
        (
            NATIONAL,
            NATIONAL_NAME,
            national,
            [1_500_000, 2_000_000],
            "",
        ),
        (
            ENHANCED,
            ENHANCED_NAME,
            enhanced,
            [2_100_000, 2_600_000],
            ENHANCED_RULE,
        ),
    ];
    for (id, name, from, lines, rule) in standards {
        if from.month() != month {
            continue;
        }
        let rule = format!("{INDICATOR_RULE}{rule}");
        let mut line = bucket.line(from, rank::STANDARD);
        line.key(("standard/", id));
        // The province's own decision is not in the fixture's sources: no source_ref.
        if id == NATIONAL {
            line.source("07/2021/NĐ-CP");
        }
        line.command("RegisterStandard");
        line.field("standard_id", id);
        line.field("name", Text(name));
        line.field("valid_from", from);
        line.field("valid_to", Day::ymd(2025, 12, 31));
        line.field("rural_income_line", Amount(lines[0]));
        line.field("urban_income_line", Amount(lines[1]));
        line.field("indicator_rule", Text(&rule));
        line.field("registered_on", from);
    }
}
