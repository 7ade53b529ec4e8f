fn main() {
    let o = shiftgate_gen::GenOptions { agents: 1000, seed: 9, problems: false, ..Default::default() };
    let s = shiftgate_gen::generate(&o);
    for t in &s.shift_trades {
        println!("{:?} {:?} {:?}", t.state, t.receiving_shift_id, t.initiating_shift_id);
    }
}
