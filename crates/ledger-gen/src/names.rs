//! Invented names. Units get two syllables from the real Hạ Long names (so they read like
//! Vietnamese place names without naming real places on purpose); sponsors are numbered
//! organisations of the fixture's kinds. All strings are NFC, like the fixture.

/// First syllables of unit names.
pub const UNIT_FIRST: [&str; 30] = [
    "Hà", "Cao", "Hồng", "Bãi", "Trần", "Việt", "Đại", "Tuần", "Giếng", "Quảng", "Bằng", "Dân",
    "Hòa", "Vũ", "Tân", "Kỳ", "Đồng", "Lê", "Hoành", "Thống", "Sơn", "Hùng", "Bạch", "Minh", "Yên",
    "Long", "Phúc", "Xuân", "An", "Thịnh",
];
/// Second syllables of unit names.
pub const UNIT_SECOND: [&str; 30] = [
    "Khánh",
    "Phong",
    "Khẩu",
    "Xanh",
    "Tu",
    "Trung",
    "Lầm",
    "Cháy",
    "Thắng",
    "Hải",
    "Gai",
    "Đằng",
    "Hà",
    "Châu",
    "Hưng",
    "Yên",
    "Lâm",
    "Chủ",
    "Bình",
    "Oai",
    "Dân",
    "Thượng",
    "Sơn",
    "Lợi",
    "Nhất",
    "Dương",
    "Long",
    "Lương",
    "Đạo",
    "An",
];

/// Sponsor name stems, their kind (as in JSON) and their weight (the fixture's mix).
pub const SPONSOR_GROUPS: [(&str, &str, u32); 7] = [
    ("Cơ quan khối Đảng số", "agency", 12),
    ("Cơ quan khối chính quyền số", "agency", 18),
    ("Trường học số", "unit", 14),
    ("Cơ sở y tế số", "unit", 5),
    ("Đơn vị lực lượng vũ trang số", "unit", 6),
    ("Doanh nghiệp số", "enterprise", 8),
    ("Tổ chức đoàn thể số", "association", 6),
];

/// A child's circumstance category (an id).
pub const CIRCUMSTANCES: [&str; 6] = [
    "orphan",
    "single-parent",
    "poor-household",
    "near-poor-household",
    "disability",
    "parent-serious-illness",
];

/// The national standard's id.
pub const NATIONAL: &str = "national-2022-2025";
/// The province's enhanced standard's id.
pub const ENHANCED: &str = "quang-ninh-enhanced-2023-2025";

/// The indicator rule both standards share (as in the fixture).
pub const INDICATOR_RULE: &str = "poor: average income per person per month at or under the income line and deprived of at least 3 of the 12 indicators of basic social services (employment, dependants, nutrition, health insurance, adult education, child school attendance, housing quality, floor area per person, domestic water, hygienic latrine, telecommunications, means of access to information); near-poor: income at or under the line and deprived of fewer than 3 indicators";

/// Funding sources, in the order of the fixture's payment orders.
pub const SOURCES: [&str; 5] = [
    "state",
    "province",
    "city",
    "socialised",
    "fund-for-the-poor",
];

/// Why a payment was reversed when the sponsor then paid again.
pub const REPAID_REVERSAL_REASONS: [&str; 2] = [
    "bank transfer returned: the sponsor's account details were wrong",
    "the sponsor's cheque bounced; it paid again by bank transfer",
];
/// Why a payment was reversed for good.
pub const REVERSAL_REASONS: [&str; 2] = [
    "receipt recorded against the wrong sponsorship",
    "the bank recalled the transfer as made in error",
];

/// Why a sponsorship ended early: the sponsor withdrew, or the child's situation changed.
pub const SPONSOR_END_REASONS: [&str; 2] = [
    "the sponsoring organisation was dissolved in a reorganisation",
    "the sponsor withdrew its pledge in writing",
];
/// Why a sponsorship ended early for the child's sake.
pub const CHILD_END_REASONS: [&str; 2] = [
    "the child's family moved to another province",
    "the child was adopted and no longer needs sponsorship",
];

/// Why a completion date was corrected.
pub const CORRECTION_REASON: &str =
    "the acceptance record was dated wrongly; corrected from the signed original";
/// Why a support was cancelled before any money was paid.
pub const CANCEL_REASONS: [&str; 2] = [
    "the household moved away before works started",
    "the household was found to own another house",
];
