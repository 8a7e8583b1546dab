//! Commands as the API and importer send them: tagged JSON, unknown fields rejected.

use ledger_domain::Command;
use serde_json::json;

use crate::helpers::{cmd, d, disburse, pay};

#[test]
fn a_command_deserialises_from_tagged_json() {
    let command = cmd(
        json!({"command": "RecordHouseBuilt", "support_id": "sup-1", "completed_on": "2023-11-15"}),
    );
    assert_eq!(command.name(), "RecordHouseBuilt");
    assert_eq!(command.occurred_on(), d("2023-11-15"));
}

#[test]
fn a_command_with_an_unknown_field_is_rejected() {
    let value = json!({"command": "RecordHouseBuilt", "support_id": "sup-1",
        "completed_on": "2023-11-15", "colour": "blue"});
    assert!(serde_json::from_value::<Command>(value).is_err());
}

#[test]
fn an_unknown_command_is_rejected() {
    assert!(serde_json::from_value::<Command>(json!({"command": "DeleteEverything"})).is_err());
}

#[test]
fn an_id_outside_the_alphabet_is_rejected_when_parsing() {
    let value =
        json!({"command": "RecordHouseBuilt", "support_id": "sup 1", "completed_on": "2023-11-15"});
    assert!(serde_json::from_value::<Command>(value).is_err());
}

#[test]
fn a_float_amount_in_a_command_is_rejected() {
    let value = json!({"command": "DisburseFunds", "support_id": "s", "source": "state",
        "amount": 1000.5, "disbursed_on": "2023-01-01"});
    assert!(serde_json::from_value::<Command>(value).is_err());
}

#[test]
fn commands_round_trip_through_json() {
    for command in [
        disburse("sup-1", "state", 5, "2023-02-01"),
        pay("sp-1", "2023-01", 2, "2023-01-05"),
    ] {
        let text = serde_json::to_string(&command).unwrap();
        assert_eq!(serde_json::from_str::<Command>(&text).unwrap(), command);
    }
}

#[test]
fn every_command_carries_its_business_date() {
    assert_eq!(
        disburse("sup-1", "state", 5, "2023-02-01").occurred_on(),
        d("2023-02-01")
    );
    assert_eq!(
        pay("sp-1", "2023-01", 2, "2023-01-05").occurred_on(),
        d("2023-01-05")
    );
}
