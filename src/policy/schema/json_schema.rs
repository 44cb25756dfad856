//! The JSON Schema of `policy.toml`, derived from the types above (schemars, a
//! dev-dependency: the binary never links it) and checked in as `policy.schema.json`, which
//! editors (taplo, Even Better TOML) load through the `#:schema` line `reltag init` writes.

use std::path::Path;

/// The schema, as it is checked in.
fn generated() -> String {
    let schema = schemars::schema_for!(super::PolicyFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap();
    text.push('\n');
    text
}

#[test]
fn policy_schema_json_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy.schema.json");
    let text = generated();
    if std::env::var_os("RELTAG_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == text,
        "policy.schema.json is stale: run `RELTAG_UPDATE_SCHEMA=1 cargo test --lib json_schema` and commit it"
    );
}

#[test]
fn the_schema_knows_every_key_of_the_reference_policy() {
    // Every key the reference policy sets is a property the schema declares at that place,
    // so an editor never flags a valid file.
    let schema: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let policy: toml::Table = toml::from_str(crate::policy::DEFAULT_POLICY_TOML).unwrap();
    fn walk(table: &toml::Table, node: &serde_json::Value, root: &serde_json::Value, at: &str) {
        let node = resolve(node, root);
        for (key, value) in table {
            let here = format!("{at}.{key}");
            let child = node
                .get("properties")
                .and_then(|p| p.get(key))
                .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))
                .unwrap_or_else(|| panic!("the schema has no {here}"));
            if let toml::Value::Table(inner) = value {
                walk(inner, child, root, &here);
            }
        }
    }
    fn resolve<'a>(
        node: &'a serde_json::Value,
        root: &'a serde_json::Value,
    ) -> &'a serde_json::Value {
        match node.get("$ref").and_then(|r| r.as_str()) {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap();
                resolve(&root["$defs"][name], root)
            }
            None => node,
        }
    }
    walk(&policy, &schema, &schema, "policy");
}
