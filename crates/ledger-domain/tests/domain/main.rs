//! The domain's integration tests: given/when/then rules, projections, the Hạ Long 2023
//! figures, and property tests. One test binary, with a `helpers` module.

mod helpers;

mod annual_report;
mod budget_rules;
mod commands_json;
mod events;
mod fixture_halong;
mod geography_rules;
mod halong;
mod housing_approval_rules;
mod housing_works_rules;
mod inspection;
mod jobs_rules;
mod money;
mod payment_rules;
mod pledge_rules;
mod poverty_rules;
mod projections_budget;
mod projections_housing;
mod projections_other;
mod projections_sponsorship;
mod properties;
mod properties_schedule;
mod units_mapping;
