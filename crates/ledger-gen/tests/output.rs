//! The output's shape: deterministic, unique keys, sized as estimated, progress reported.

mod common;

use std::collections::HashSet;

use common::{city, generated, ImportLine};
use ledger_gen::{estimated_lines, generate, plan, Scale};

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    let again = generated(Scale::City, 42);
    assert!(
        again == city().as_bytes(),
        "seed 42 generated twice differs"
    );
    let other = generated(Scale::City, 43);
    assert!(other != city().as_bytes());
}

#[test]
fn every_city_key_is_unique_and_carries_the_scale_and_seed() {
    let mut seen = HashSet::new();
    for text in city().lines() {
        let line: ImportLine = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert!(line.key.starts_with("gen-city-42/"), "{}", line.key);
        assert!(seen.insert(line.key.clone()), "duplicate key {}", line.key);
    }
    assert_eq!(seen.len(), city().lines().count());
}

#[test]
fn the_city_is_within_a_fifth_of_its_estimate() {
    let lines = city().lines().count() as f64;
    let estimate = estimated_lines(Scale::City) as f64;
    assert!(
        (lines - estimate).abs() <= estimate * 0.2,
        "{lines} lines, estimated {estimate}"
    );
    assert!(
        (16_000.0..=24_000.0).contains(&lines),
        "a city is about 20,000 lines: {lines}"
    );
}

#[test]
fn progress_is_reported_every_ten_thousand_lines() {
    let mut calls = Vec::new();
    let written = generate(Scale::City, 42, &mut std::io::sink(), |lines| {
        calls.push(lines)
    })
    .expect("the sink accepts everything");
    let expected: Vec<u64> = (1..=written / 10_000).map(|n| n * 10_000).collect();
    assert_eq!(calls, expected);
}

#[test]
fn scales_parse_print_and_grow() {
    for (text, scale) in [
        ("city", Scale::City),
        ("province", Scale::Province),
        ("country", Scale::Country),
    ] {
        assert_eq!(text.parse::<Scale>(), Ok(scale));
        assert_eq!(scale.to_string(), text);
    }
    assert!("town".parse::<Scale>().is_err());
    let (city, province, country) = (
        plan(Scale::City),
        plan(Scale::Province),
        plan(Scale::Country),
    );
    assert!(
        city.households() < province.households() && province.households() < country.households()
    );
    let province_lines = estimated_lines(Scale::Province);
    let country_lines = estimated_lines(Scale::Country);
    assert!(
        (800_000..=1_200_000).contains(&province_lines),
        "{province_lines}"
    );
    assert!(
        (16_000_000..=24_000_000).contains(&country_lines),
        "{country_lines}"
    );
}
