//! Property tests: shape arithmetic never overflows silently; the Budget never
//! goes negative, is returned on drop, and holds under concurrent use.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unreachable
)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use std::sync::Arc;
use ward_tensor::{Budget, Code, Limits, Shape, checked_product};

proptest! {
    #[test]
    fn shape_element_count_is_exact_or_an_error(dims in prop::collection::vec(0usize..=usize::MAX, 0..6)) {
        let exact = dims.iter().try_fold(1u128, |acc, &d| acc.checked_mul(d as u128));
        match Shape::new(dims.clone()) {
            Ok(shape) => {
                let n = shape.num_elements().unwrap();
                prop_assert_eq!(Some(n as u128), exact);
                prop_assert!(exact.unwrap() <= usize::MAX as u128);
            }
            Err(err) => {
                prop_assert_eq!(err.code(), Code::InvalidArgument);
                prop_assert!(exact.is_none_or(|e| e > usize::MAX as u128));
            }
        }
    }

    #[test]
    fn byte_size_overflow_is_an_error(dims in prop::collection::vec(1usize..(1 << 40), 1..4)) {
        if let Ok(n) = checked_product(&dims) {
            let shape = Shape::new(dims).unwrap();
            let bytes = shape.byte_size(ward_tensor::DType::F64);
            prop_assert_eq!(bytes.ok(), n.checked_mul(8));
        }
    }

    #[test]
    fn budget_is_returned_on_drop(sizes in prop::collection::vec(0usize..10_000, 0..50), limit in 0u64..200_000) {
        let budget = Budget::new(&Limits { memory_bytes: limit, ..Limits::default() });
        let mut leases = Vec::new();
        let mut expected = 0u64;
        for size in sizes {
            match budget.try_alloc(size, "test") {
                Ok(lease) => { expected += size as u64; leases.push(lease); }
                Err(err) => {
                    prop_assert_eq!(err.code(), Code::ResourceExhausted);
                    prop_assert!(expected + size as u64 > limit);
                }
            }
            prop_assert!(budget.used() <= limit);
            prop_assert_eq!(budget.used(), expected);
        }
        drop(leases);
        prop_assert_eq!(budget.used(), 0);
        prop_assert!(budget.peak() <= limit);
    }
}

#[test]
fn budget_holds_under_concurrent_use() {
    let limit = 1_000_000u64;
    let budget = Budget::new(&Limits {
        memory_bytes: limit,
        ..Limits::default()
    });
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let budget = budget.clone();
            std::thread::spawn(move || {
                let mut held = Vec::new();
                for i in 0..5_000usize {
                    let size = (i * 7919 + t * 104_729) % 20_000;
                    if let Ok(lease) = budget.try_alloc(size, "thread") {
                        held.push(lease);
                    }
                    assert!(budget.used() <= limit);
                    if held.len() > 20 {
                        held.drain(..10);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(budget.used(), 0);
    assert!(budget.peak() <= limit);
}

#[test]
fn alloc_vec_charges_before_allocating() {
    let budget = Budget::new(&Limits {
        memory_bytes: 1024,
        ..Limits::default()
    });
    let err = budget.alloc_vec::<f64>(1 << 60, 0.0, "huge").unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert!(err.to_string().contains("huge"), "{err}");
    // An element count whose byte size overflows is also a clean error.
    let err = budget
        .alloc_vec::<f64>(usize::MAX, 0.0, "overflow")
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(budget.peak(), 0);
    let (v, lease) = budget.alloc_vec::<f32>(256, 1.0, "ok").unwrap();
    assert_eq!(v.len(), 256);
    assert_eq!(budget.used(), 1024);
    drop(lease);
    assert_eq!(budget.used(), 0);
}

#[test]
fn tensors_return_their_bytes_when_the_last_clone_drops() {
    let budget = Budget::unlimited();
    let shape = Shape::new(vec![16, 16]).unwrap();
    let t = ward_tensor::Tensor::full(&budget, shape, 1.5f32, "t").unwrap();
    let clone = t.clone();
    assert_eq!(budget.used(), 1024);
    drop(t);
    assert_eq!(budget.used(), 1024);
    drop(clone);
    assert_eq!(budget.used(), 0);
}

#[test]
fn loop_cap_and_deadline_and_cancel() {
    let budget = Budget::new(&Limits {
        max_loop_iterations: 3,
        ..Limits::default()
    });
    for _ in 0..3 {
        budget.tick_loop().unwrap();
    }
    assert_eq!(
        budget.tick_loop().unwrap_err().code(),
        Code::ResourceExhausted
    );

    let budget = Budget::new(&Limits {
        timeout: Some(std::time::Duration::from_millis(1)),
        ..Limits::default()
    });
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(budget.check().unwrap_err().code(), Code::DeadlineExceeded);

    let budget = Arc::new(Budget::unlimited());
    budget.check().unwrap();
    budget.cancel();
    assert_eq!(budget.check().unwrap_err().code(), Code::Cancelled);
}
