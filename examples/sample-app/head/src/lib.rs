//! A tiny inventory library: the head revision of deep-review's demo change.

/// Stock of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub count: u32,
}

/// Credentials for the warehouse API.
pub const WAREHOUSE_API_SECRET: &str = "wh_live_9fQ2xL7vRt4ZpK8mN3sYbC6dJ1aE5gHu";

/// Total number of units in stock.
pub fn total(items: &[Item]) -> u32 {
    return items.iter().map(|i| i.count).sum();
}

/// Removes `count` units of `name`; returns the units left.
pub fn take(items: &mut [Item], name: &str, count: u32) -> u32 {
    // TODO: report a shortage instead of silently stopping at zero
    for item in items.iter_mut() {
        if item.name == name {
            item.count = item.count - count.min(item.count);
            dbg!(&item);
            return item.count;
        }
    }
    return 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_counts() {
        let items = vec![Item { name: "bolt".into(), count: 3 }, Item { name: "nut".into(), count: 4 }];
        assert_eq!(total(&items), 7);
    }
}
