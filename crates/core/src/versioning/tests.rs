#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use super::*;

fn tool(description: &str, input: Value) -> CatalogTool {
    CatalogTool {
        server: "weather".into(),
        name: "forecast".into(),
        title: None,
        description: Some(description.into()),
        input_schema: input,
        output_schema: None,
        annotations: None,
        builtin: false,
    }
}

fn base_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name"},
            "days": {"type": "integer", "description": "How many days", "maximum": 14},
            "units": {"type": "string", "enum": ["metric", "imperial", "kelvin"]},
            "tz": {"type": "string"}
        },
        "required": ["city"]
    })
}

/// Applies `edit` to a copy of the base input schema and classifies.
fn input_change(edit: impl FnOnce(&mut Value)) -> ToolDiff {
    let old = tool("Daily forecast.", base_input());
    let mut schema = base_input();
    edit(&mut schema);
    classify(&old, Some(&tool("Daily forecast.", schema)))
}

fn assert_one(diff: &ToolDiff, class: ChangeClass, description: &str) {
    assert_eq!(
        diff.changes,
        vec![SchemaChange::new(class, description)],
        "whole diff: {diff:?}"
    );
    assert_eq!(diff.class, class);
}

#[test]
fn classes_are_ordered_named_and_round_trip() {
    use ChangeClass::*;
    assert!(Compatible < Warning && Warning < MigrationNeeded && MigrationNeeded < Incompatible);
    assert_eq!(MigrationNeeded.to_string(), "migration needed");
    assert_eq!(Incompatible.to_string(), "incompatible");
    assert_eq!(
        serde_json::to_value(MigrationNeeded).unwrap(),
        json!("migration_needed")
    );
    for class in ChangeClass::ALL {
        assert_eq!(class.as_str().parse::<ChangeClass>().unwrap(), class);
        assert_eq!(class.to_string().parse::<ChangeClass>().unwrap(), class);
    }
    assert!("breaking".parse::<ChangeClass>().is_err());
}

#[test]
fn identical_tools_have_no_changes() {
    let old = tool("Daily forecast.", base_input());
    let diff = classify(&old, Some(&old.clone()));
    assert!(diff.is_empty());
    assert_eq!(diff.class, ChangeClass::Compatible);
}

#[test]
fn key_order_alone_is_no_change() {
    let reordered = json!({
        "required": ["city"],
        "properties": {
            "tz": {"type": "string"},
            "units": {"enum": ["metric", "imperial", "kelvin"], "type": "string"},
            "days": {"maximum": 14, "description": "How many days", "type": "integer"},
            "city": {"description": "City name", "type": "string"}
        },
        "type": "object"
    });
    let diff = classify(
        &tool("Daily forecast.", base_input()),
        Some(&tool("Daily forecast.", reordered)),
    );
    assert!(diff.is_empty(), "{diff:?}");
}

#[test]
fn removed_tool_is_incompatible() {
    let diff = classify(&tool("Daily forecast.", base_input()), None);
    assert_one(&diff, ChangeClass::Incompatible, "tool removed");
}

#[test]
fn reworded_description_is_compatible() {
    let diff = classify(
        &tool("Daily forecast.", base_input()),
        Some(&tool("The daily forecast for a city.", base_input())),
    );
    assert_one(&diff, ChangeClass::Compatible, "description reworded");
}

#[test]
fn new_optional_parameter_is_compatible() {
    let diff = input_change(|s| {
        s["properties"]["hourly"] = json!({"type": "boolean"});
    });
    assert_one(
        &diff,
        ChangeClass::Compatible,
        "new optional parameter `hourly`",
    );
}

#[test]
fn new_output_field_is_compatible() {
    let mut old = tool("Daily forecast.", base_input());
    old.output_schema = Some(json!({
        "type": "object",
        "properties": {"high": {"type": "number"}},
        "required": ["high"]
    }));
    let mut new = old.clone();
    new.output_schema.as_mut().unwrap()["properties"]["low"] = json!({"type": "number"});
    assert_one(
        &classify(&old, Some(&new)),
        ChangeClass::Compatible,
        "new output field `low`",
    );

    let mut gone = old.clone();
    gone.output_schema = Some(json!({"type": "object", "properties": {}}));
    assert_one(
        &classify(&old, Some(&gone)),
        ChangeClass::Incompatible,
        "output field `high` removed",
    );
}

#[test]
fn deprecated_in_description_is_a_warning() {
    let diff = classify(
        &tool("Daily forecast.", base_input()),
        Some(&tool(
            "Deprecated: use forecast_v2. Daily forecast.",
            base_input(),
        )),
    );
    assert_one(
        &diff,
        ChangeClass::Warning,
        "marked deprecated in its description",
    );
}

#[test]
fn deprecated_in_annotations_is_a_warning() {
    let old = tool("Daily forecast.", base_input());
    let mut new = old.clone();
    new.annotations = Some(json!({"deprecated": true, "readOnlyHint": false}));
    assert_one(
        &classify(&old, Some(&new)),
        ChangeClass::Warning,
        "marked deprecated in its annotations",
    );
}

#[test]
fn safety_hints_changing_is_a_warning_other_annotations_are_not() {
    let mut old = tool("Daily forecast.", base_input());
    old.annotations = Some(json!({"readOnlyHint": true, "title": "Forecast"}));
    let mut writes = old.clone();
    writes.annotations = Some(json!({"readOnlyHint": false, "title": "Forecast"}));
    let diff = classify(&old, Some(&writes));
    assert_eq!(diff.class, ChangeClass::Warning);
    let texts: Vec<&str> = diff
        .changes
        .iter()
        .map(|c| c.description.as_str())
        .collect();
    assert_eq!(
        texts,
        ["no longer marked read-only", "now marked destructive"]
    );

    let mut retitled = old.clone();
    retitled.annotations = Some(json!({"readOnlyHint": true, "title": "Weather forecast"}));
    assert_one(
        &classify(&old, Some(&retitled)),
        ChangeClass::Compatible,
        "annotations changed",
    );
}

#[test]
fn parameter_description_change_is_a_warning() {
    let diff = input_change(|s| {
        s["properties"]["city"]["description"] = json!("City name or postcode");
    });
    assert_one(
        &diff,
        ChangeClass::Warning,
        "description of parameter `city` changed",
    );
}

#[test]
fn parameter_marked_deprecated_is_a_warning() {
    let diff = input_change(|s| {
        s["properties"]["tz"]["deprecated"] = json!(true);
    });
    assert_one(
        &diff,
        ChangeClass::Warning,
        "parameter `tz` marked deprecated",
    );
}

#[test]
fn changed_default_is_a_warning() {
    let diff = input_change(|s| {
        s["properties"]["days"]["default"] = json!(3);
    });
    assert_one(
        &diff,
        ChangeClass::Warning,
        "parameter `days` now defaults to 3",
    );
}

#[test]
fn optional_parameter_removed_needs_migration() {
    let diff = input_change(|s| {
        s["properties"].as_object_mut().unwrap().remove("tz");
    });
    assert_one(
        &diff,
        ChangeClass::MigrationNeeded,
        "optional parameter `tz` removed",
    );
}

#[test]
fn enum_value_removed_needs_migration_and_added_is_compatible() {
    let diff = input_change(|s| {
        s["properties"]["units"]["enum"] = json!(["metric", "imperial"]);
    });
    assert_one(
        &diff,
        ChangeClass::MigrationNeeded,
        "parameter `units` no longer accepts \"kelvin\"",
    );
    let diff = input_change(|s| {
        s["properties"]["units"]["enum"] = json!(["metric", "imperial", "kelvin", "rankine"]);
    });
    assert_one(
        &diff,
        ChangeClass::Compatible,
        "parameter `units` now also accepts \"rankine\"",
    );
}

#[test]
fn narrowed_type_needs_migration_and_widened_is_compatible() {
    let diff = input_change(|s| {
        s["properties"]["tz"] = json!({"type": "string", "format": "timezone"});
        s["properties"]["days"]["type"] = json!("number");
    });
    assert_eq!(diff.class, ChangeClass::MigrationNeeded, "{diff:?}");
    let texts: Vec<&str> = diff
        .changes
        .iter()
        .map(|c| c.description.as_str())
        .collect();
    assert!(texts.contains(&"type of parameter `days` widened from integer to number"));
    assert!(texts.contains(&"parameter `tz` now must match `format` \"timezone\""));

    let diff = input_change(|s| {
        s["properties"]["days"]["maximum"] = json!(7);
    });
    assert_one(
        &diff,
        ChangeClass::MigrationNeeded,
        "`maximum` of parameter `days` changed from 14 to 7",
    );
    let narrowed = classify(
        &tool(
            "d",
            json!({"type": "object", "properties": {"n": {"type": ["number", "null"]}}}),
        ),
        Some(&tool(
            "d",
            json!({"type": "object", "properties": {"n": {"type": "integer"}}}),
        )),
    );
    assert_one(
        &narrowed,
        ChangeClass::MigrationNeeded,
        "type of parameter `n` narrowed from null or number to integer",
    );
}

#[test]
fn new_required_parameter_is_incompatible() {
    let diff = input_change(|s| {
        s["properties"]["region"] = json!({"type": "string"});
        s["required"] = json!(["city", "region"]);
    });
    assert_one(
        &diff,
        ChangeClass::Incompatible,
        "new required parameter `region`",
    );
}

#[test]
fn optional_becoming_required_is_incompatible_and_back_is_compatible() {
    let diff = input_change(|s| s["required"] = json!(["city", "tz"]));
    assert_one(&diff, ChangeClass::Incompatible, "now requires `tz`");
    let diff = input_change(|s| s["required"] = json!([]));
    assert_one(
        &diff,
        ChangeClass::Compatible,
        "parameter `city` is now optional",
    );
}

#[test]
fn required_parameter_removed_is_incompatible() {
    let diff = input_change(|s| {
        s["properties"].as_object_mut().unwrap().remove("city");
        s["required"] = json!([]);
    });
    assert_one(&diff, ChangeClass::Incompatible, "parameter `city` removed");
}

#[test]
fn renamed_parameter_is_incompatible() {
    let diff = input_change(|s| {
        let props = s["properties"].as_object_mut().unwrap();
        let city = props.remove("city").unwrap();
        props.insert("location".into(), city);
        s["required"] = json!(["location"]);
    });
    assert_one(
        &diff,
        ChangeClass::Incompatible,
        "parameter `city` renamed to `location`",
    );
}

#[test]
fn changed_type_is_incompatible() {
    let diff = input_change(|s| s["properties"]["city"]["type"] = json!("integer"));
    assert_one(
        &diff,
        ChangeClass::Incompatible,
        "type of parameter `city` changed from string to integer",
    );
}

#[test]
fn nested_properties_and_array_items_are_walked() {
    let old_input = json!({
        "type": "object",
        "properties": {
            "filter": {
                "type": "object",
                "properties": {"region": {"type": "string"}, "since": {"type": "string"}}
            },
            "stations": {
                "type": "array",
                "items": {"type": "object", "properties": {"id": {"type": "string"}}}
            }
        }
    });
    let mut new_input = old_input.clone();
    new_input["properties"]["filter"]["required"] = json!(["region"]);
    new_input["properties"]["stations"]["items"]["properties"]["id"]["type"] = json!("integer");
    let diff = classify(&tool("d", old_input), Some(&tool("d", new_input)));
    assert_eq!(diff.class, ChangeClass::Incompatible);
    let texts: Vec<&str> = diff
        .changes
        .iter()
        .map(|c| c.description.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "now requires `filter.region`",
            "type of parameter `stations[].id` changed from string to integer"
        ]
    );
}

#[test]
fn refs_and_nullable_wrappers_compare_by_meaning() {
    let old_input = json!({
        "type": "object",
        "$defs": {"Units": {"type": "string", "enum": ["metric", "imperial"]}},
        "properties": {
            "units": {"anyOf": [{"$ref": "#/$defs/Units"}, {"type": "null"}], "default": null}
        }
    });
    let mut new_input = old_input.clone();
    new_input["$defs"]["Units"]["enum"] = json!(["metric"]);
    let diff = classify(&tool("d", old_input), Some(&tool("d", new_input)));
    assert_one(
        &diff,
        ChangeClass::MigrationNeeded,
        "parameter `units` no longer accepts \"imperial\"",
    );
}

#[test]
fn recursive_schemas_terminate() {
    let schema = |leaf: &str| {
        json!({
            "type": "object",
            "$defs": {"Node": {"type": "object", "properties": {
                "child": {"$ref": "#/$defs/Node"}, "name": {"type": leaf}
            }}},
            "properties": {"root": {"$ref": "#/$defs/Node"}}
        })
    };
    let diff = classify(
        &tool("d", schema("string")),
        Some(&tool("d", schema("integer"))),
    );
    assert_eq!(diff.class, ChangeClass::Incompatible);
    assert!(diff.changes.len() > 1, "{diff:?}");
}

#[test]
fn diff_takes_the_worst_class_and_summarises_worst_first() {
    let diff = input_change(|s| {
        s["properties"]["hourly"] = json!({"type": "boolean"});
        s["properties"]["city"]["type"] = json!("integer");
    });
    assert_eq!(diff.class, ChangeClass::Incompatible);
    assert_eq!(
        diff.summary(),
        "type of parameter `city` changed from string to integer; new optional parameter `hourly`"
    );
    let round_trip: ToolDiff =
        serde_json::from_value(serde_json::to_value(&diff).unwrap()).unwrap();
    assert_eq!(round_trip, diff);
}

fn with_output(output: Value) -> CatalogTool {
    let mut tool = tool("Daily forecast.", base_input());
    tool.output_schema = Some(output);
    tool
}

#[test]
fn outputs_are_judged_in_the_opposite_direction() {
    let old = with_output(json!({
        "type": "object",
        "properties": {
            "sky": {"type": "string", "enum": ["clear", "cloudy"]},
            "high": {"type": "integer"}
        },
        "required": ["sky", "high"]
    }));
    // Returning more than before may surprise a caller...
    let more = with_output(json!({
        "type": "object",
        "properties": {
            "sky": {"type": "string", "enum": ["clear", "cloudy", "fog"]},
            "high": {"type": ["integer", "null"]}
        },
        "required": ["sky"]
    }));
    let diff = classify(&old, Some(&more));
    let found: Vec<(ChangeClass, &str)> = diff
        .changes
        .iter()
        .map(|c| (c.class, c.description.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                ChangeClass::Warning,
                "output field `sky` may now be \"fog\""
            ),
            (
                ChangeClass::MigrationNeeded,
                "output field `high` may now be missing"
            ),
            (
                ChangeClass::Warning,
                "type of output field `high` widened from integer to integer or null"
            ),
        ]
    );
    // ...while returning less than before is safe.
    let back = classify(&more, Some(&old));
    assert_eq!(back.class, ChangeClass::Compatible, "{back:?}");
}

#[test]
fn losing_the_output_schema_is_a_warning_gaining_one_is_compatible() {
    let plain = tool("Daily forecast.", base_input());
    let typed = with_output(json!({"type": "object"}));
    assert_one(
        &classify(&typed, Some(&plain)),
        ChangeClass::Warning,
        "no longer declares an output schema",
    );
    assert_one(
        &classify(&plain, Some(&typed)),
        ChangeClass::Compatible,
        "now declares an output schema",
    );
}

#[test]
fn relaxed_bounds_and_other_edits_are_compatible_but_still_reported() {
    let diff = input_change(|s| {
        s["properties"]["days"]
            .as_object_mut()
            .unwrap()
            .remove("maximum");
    });
    assert_one(
        &diff,
        ChangeClass::Compatible,
        "parameter `days` no longer has `maximum` 14",
    );
    let diff = input_change(|s| s["examples"] = json!([{"city": "Oslo"}]));
    assert_one(
        &diff,
        ChangeClass::Compatible,
        "definition changed in ways that do not affect calls",
    );
    let old = tool("Daily forecast.", base_input());
    let mut titled = old.clone();
    titled.title = Some("Forecast".into());
    assert_one(
        &classify(&old, Some(&titled)),
        ChangeClass::Compatible,
        "title changed",
    );
}
