fn main() {
    let mut map = ritc::syntax::source_map::SourceMap::default();
    for path in std::env::args().skip(1) {
        let source = std::fs::read_to_string(&path).unwrap();
        let id = map.add(path.clone(), source.clone());
        let out = ritc::syntax::parse(id, &source);
        eprint!("{}", ritc::diagnostics::render::human(&map, &out.diagnostics));
        println!("{path}: {} items, {} comments", out.file.items.len(), out.file.comments.len());
    }
}
