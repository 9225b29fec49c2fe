//! The product catalogue: fixed, in memory, so that load tests measure the server
//! and not the database.

use axum::Json;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Product {
    id: i64,
    name: &'static str,
    price: f64,
    stock: i64,
}

const fn product(id: i64, name: &'static str, price: f64, stock: i64) -> Product {
    Product {
        id,
        name,
        price,
        stock,
    }
}

static PRODUCTS: [Product; 10] = [
    product(1, "widget", 9.99, 1000),
    product(2, "gadget", 24.5, 250),
    product(3, "gizmo", 14.0, 500),
    product(4, "sprocket", 3.25, 2000),
    product(5, "doohickey", 7.75, 120),
    product(6, "thingamajig", 42.0, 60),
    product(7, "whatsit", 1.99, 5000),
    product(8, "contraption", 99.0, 15),
    product(9, "apparatus", 149.99, 8),
    product(10, "gubbins", 0.5, 10000),
];

pub async fn list() -> Json<&'static [Product]> {
    Json(&PRODUCTS)
}
