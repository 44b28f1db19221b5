//! The `tailsampling` command line.
fn main() {
    println!("tailsampling {}", tailsampling::VERSION);
}
