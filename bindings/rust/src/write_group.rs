//! bindings/rust/src/write_group.rs — `WriteGroup`: several writes that commit
//! locally as one and that the server applies all or nothing
//! (shopsync_write_group), e.g. an order and its items. Creates get their id
//! here, so later writes of the group can point at the new row.
use crate::ids::new_id;
use crate::Json;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteGroup {
    writes: Vec<Json>,
}

impl WriteGroup {
    pub fn new() -> WriteGroup {
        WriteGroup::default()
    }

    /// Adds a create of `row` (an object of columns) and returns the new row's
    /// id: the row's own "id" if it has one, otherwise a new UUID.
    pub fn create(&mut self, entity: &str, row: Json) -> String {
        let id = row.get("id").as_str().map(str::to_string).unwrap_or_else(new_id);
        let mut row = row;
        if let Json::Object(pairs) = &mut row {
            pairs.retain(|(k, _)| k != "id");
        }
        self.push("create", entity, Some(&id), Some(row), false);
        id
    }

    /// Adds an update of the given columns of row `id`.
    pub fn update(&mut self, entity: &str, id: &str, changes: Json) -> &mut WriteGroup {
        self.push("update", entity, Some(id), Some(changes), false);
        self
    }

    /// An update with SHOPSYNC_WRITE_OVERRIDE (owners: allow what the rules refuse).
    pub fn update_override(&mut self, entity: &str, id: &str, changes: Json) -> &mut WriteGroup {
        self.push("update", entity, Some(id), Some(changes), true);
        self
    }

    /// Adds a delete of row `id`.
    pub fn delete(&mut self, entity: &str, id: &str) -> &mut WriteGroup {
        self.push("delete", entity, Some(id), None, false);
        self
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The `writes_json` of shopsync_write_group.
    pub fn to_json(&self) -> String {
        Json::Array(self.writes.clone()).to_string()
    }

    fn push(&mut self, op: &str, entity: &str, id: Option<&str>, row: Option<Json>, override_rules: bool) {
        let mut write = Json::object([("op", Json::from(op)), ("entity", Json::from(entity))]);
        if let Some(id) = id {
            write.set("id", Json::from(id));
        }
        if let Some(row) = row {
            write.set("row", row);
        }
        if override_rules {
            write.set("override", Json::from(true));
        }
        self.writes.push(write);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_headers_writes_array() {
        let mut group = WriteGroup::new();
        let order = group.create("orders", Json::parse(r#"{"order_code":"O-1"}"#).unwrap());
        let item = group.create("order_items", Json::object([("id", Json::from("item-1")), ("order_id", Json::from(order.as_str()))]));
        group.update("orders", &order, Json::parse(r#"{"total":3}"#).unwrap());
        group.update_override("orders", &order, Json::parse(r#"{"status":"pending"}"#).unwrap()).delete("customers", "c-9");
        assert_eq!(item, "item-1", "a row's own id is kept");
        assert_eq!(order.len(), 36);
        assert_eq!(group.len(), 5);
        let expected = format!(
            concat!(
                r#"[{{"op":"create","entity":"orders","id":"{o}","row":{{"order_code":"O-1"}}}},"#,
                r#"{{"op":"create","entity":"order_items","id":"item-1","row":{{"order_id":"{o}"}}}},"#,
                r#"{{"op":"update","entity":"orders","id":"{o}","row":{{"total":3}}}},"#,
                r#"{{"op":"update","entity":"orders","id":"{o}","row":{{"status":"pending"}},"override":true}},"#,
                r#"{{"op":"delete","entity":"customers","id":"c-9"}}]"#
            ),
            o = order
        );
        assert_eq!(group.to_json(), expected);
        assert!(WriteGroup::new().is_empty());
    }
}
