fn main() {
    let a: Vec<String> = std::env::args().collect();
    let o = shiftgate_gen::GenOptions { agents: a[1].parse().unwrap(), seed: a[2].parse().unwrap(), problems: a[3] == "1", ..Default::default() };
    let l = shiftgate_gen::generate_labeled(&o);
    std::fs::write(&a[4], serde_json::to_vec(&l.snapshot).unwrap()).unwrap();
    for i in l.injected { println!("{} {}", i.rule, i.agent); }
}
