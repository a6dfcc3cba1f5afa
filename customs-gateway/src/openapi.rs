//! The OpenAPI 3.1 document at `/api/v1/openapi.json`, built from the one route table
//! ([`crate::api::ROUTES`]) so that it cannot leave a route out.
//!
//! A generator such as `utoipa` would derive this from annotations on every handler; with one
//! table the routes, their access and their body types are declared once and a test checks
//! the table against what the server answers (`tests/api_routes.rs`).

use serde_json::{json, Map, Value};

use crate::api::{Route, ROUTES};

pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        if let Some(map) = entry.as_object_mut() {
            map.insert(route.method.to_string(), operation(route));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SilkwayChain gateway",
            "version": "1",
            "description": "Letters of credit, documents, presentations and invoices on the SilkwayChain ledger. State-changing calls need an Idempotency-Key header; errors are {error, message, field?}.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::gateway::SESSION_COOKIE },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": { "type": "string" },
                        "message": { "type": "string" },
                        "field": { "type": "string" },
                    },
                },
            },
        },
    })
}

fn operation(route: &Route) -> Value {
    let mut parameters: Vec<Value> = path_params(route.path)
        .into_iter()
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    let changes_state = route.method != "get" && route.access != "public";
    if changes_state {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": true,
            "description": "A fresh key per request; a key used before is refused as a replay (409).",
            "schema": { "type": "string", "minLength": 1, "maxLength": 128 },
        }));
    }
    let error = json!({ "description": "error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut op = json!({
        "summary": route.summary,
        "operationId": operation_id(route),
        "parameters": parameters,
        "responses": {
            "200": { "description": "ok" },
            "400": error, "401": error, "403": error, "404": error, "409": error, "413": error,
            "415": error, "503": error,
        },
        "x-access": route.access,
    });
    if route.access != "public" {
        op["security"] = json!([{ "bearer": [] }, { "session": [] }]);
    }
    if !route.body.is_empty() {
        let content: Map<String, Value> = route
            .body
            .iter()
            .map(|ct| (ct.to_string(), json!({ "schema": {} })))
            .collect();
        op["requestBody"] = json!({ "required": true, "content": content });
    }
    op
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn operation_id(route: &Route) -> String {
    let mut id = route.method.to_string();
    for seg in route.path.trim_start_matches("/api/v1/").split('/') {
        let seg = seg
            .trim_matches(|c| c == '{' || c == '}')
            .replace(['.', '-'], "_");
        id.push('_');
        id.push_str(&seg);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described_once_with_its_parameters() {
        let doc = document();
        let mut ids = std::collections::BTreeSet::new();
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method];
            assert!(op.is_object(), "{} {}", route.method, route.path);
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()));
            for name in path_params(route.path) {
                let params = op["parameters"].as_array().unwrap();
                assert!(params.iter().any(|p| p["name"] == name), "{}", route.path);
            }
        }
        assert_eq!(ids.len(), ROUTES.len());
    }
}
