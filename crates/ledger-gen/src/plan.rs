//! Scales and the sizes they imply.
//!
//! A generated ledger is a sequence of *regions* (districts of about 20–30 communes and
//! wards), each generated on its own from its first to its last month and then dropped,
//! so memory is bounded by one region whatever the scale. A city is one region the size
//! of Hạ Long; a province is 30 regions (a large province, ~570 communes and wards, like
//! Hà Nội before 2025); the country is 600 regions in 63 provinces (~11,400 units, about
//! Vietnam's count before the 2025 reform).

use std::fmt;
use std::str::FromStr;

/// How big a generated ledger is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// One city (Hạ Long's 33 units): about 20,000 lines.
    City,
    /// One large province: about 1,000,000 lines.
    Province,
    /// The whole country: about 20,000,000 lines.
    Country,
}

/// A scale name other than `city`, `province` or `country`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scale \"{0}\": use city, province or country")]
pub struct ParseScaleError(pub String);

impl FromStr for Scale {
    type Err = ParseScaleError;

    fn from_str(text: &str) -> Result<Scale, ParseScaleError> {
        match text {
            "city" => Ok(Scale::City),
            "province" => Ok(Scale::Province),
            "country" => Ok(Scale::Country),
            other => Err(ParseScaleError(other.to_owned())),
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(match self {
            Scale::City => "city",
            Scale::Province => "province",
            Scale::Country => "country",
        })
    }
}

/// The sizes a scale implies. Per-region sizes are exact; the methods give totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The scale.
    pub scale: Scale,
    /// Provinces; only the first uses Quảng Ninh's enhanced poverty standard.
    pub provinces: u32,
    /// Regions, generated one after another.
    pub regions: u32,
    /// Communes and wards per region before the mergers of 2024–2025.
    pub units_per_region: u32,
    /// Percentage of units that are (urban) wards; the rest are (rural) communes.
    pub ward_percent: u32,
    /// Households on the poverty lists per region.
    pub households_per_region: u32,
    /// Housing supports approved per region and year.
    pub supports_per_region_year: u32,
    /// Sponsored children per region.
    pub children_per_region: u32,
    /// Sponsoring organisations per region.
    pub sponsors_per_region: u32,
    /// First year of welfare activity (units are registered from 2021).
    pub first_year: i32,
    /// Last year of activity: every line is dated on or before 31 December of it.
    pub last_year: i32,
}

/// The sizes for `scale`.
pub fn plan(scale: Scale) -> Plan {
    let (provinces, regions, units, ward_percent, households, supports, children, sponsors) =
        match scale {
            Scale::City => (1, 1, 33, 64, 600, 30, 760, 150),
            Scale::Province => (1, 30, 19, 40, 800, 45, 1420, 260),
            Scale::Country => (63, 600, 19, 35, 800, 45, 1420, 260),
        };
    Plan {
        scale,
        provinces,
        regions,
        units_per_region: units,
        ward_percent,
        households_per_region: households,
        supports_per_region_year: supports,
        children_per_region: children,
        sponsors_per_region: sponsors,
        first_year: crate::FIRST_YEAR,
        last_year: crate::LAST_YEAR,
    }
}

/// About how many lines `generate(scale, …)` writes (within a few per cent; for a
/// progress bar's total).
pub fn estimated_lines(scale: Scale) -> u64 {
    plan(scale).estimated_lines()
}

impl Plan {
    /// Years of activity.
    pub fn years(&self) -> u32 {
        u32::try_from(self.last_year - self.first_year + 1).unwrap_or(0)
    }

    /// Communes and wards before the mergers.
    pub fn units(&self) -> u64 {
        u64::from(self.regions) * u64::from(self.units_per_region)
    }

    /// Households.
    pub fn households(&self) -> u64 {
        u64::from(self.regions) * u64::from(self.households_per_region)
    }

    /// Housing supports approved.
    pub fn housing_supports(&self) -> u64 {
        u64::from(self.regions) * u64::from(self.supports_per_region_year) * u64::from(self.years())
    }

    /// Sponsored children.
    pub fn children(&self) -> u64 {
        u64::from(self.regions) * u64::from(self.children_per_region)
    }

    /// Sponsoring organisations.
    pub fn sponsors(&self) -> u64 {
        u64::from(self.regions) * u64::from(self.sponsors_per_region)
    }

    /// Programmes: one housing and one sponsorship programme per region and year.
    pub fn programmes(&self) -> u64 {
        u64::from(self.regions) * u64::from(self.years()) * 2
    }

    /// About how many lines (one event each) the plan yields: per-entity averages
    /// measured on generated output (city, province and country all land within 2 %; the
    /// tests hold the city to 20 %). Payments are most of the children's lines.
    pub fn estimated_lines(&self) -> u64 {
        let months = u64::from(self.years()) * 12;
        // A registration, a share of the mergers, and a jobs report most months.
        let units = self.units() * (170 + months * 92) / 100;
        // Households are classified under the enhanced standard only in its province.
        let regions = u64::from(self.regions);
        let enhanced = u64::from(self.regions.div_ceil(self.provinces.max(1)));
        let per_region = u64::from(self.households_per_region);
        let households = per_region * (regions * 267 + enhanced * 124) / 100;
        // Approval, payment orders, start, completion, and the programme's own lines.
        let supports = self.housing_supports() * 825 / 100;
        // Registration, one or two pledges, about 17 payments, a few reversals and ends.
        let children = self.children() * 1950 / 100;
        let fixed =
            self.sponsors() + regions * u64::from(self.years()) + 2 + u64::from(self.years());
        units + households + supports + children + fixed
    }
}
