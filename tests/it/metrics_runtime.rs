//! Dataway's runtime counters (`dataway_aggregate`): drained bodies decoded with prost and
//! compared point by point; counters reset after each drain.

use crate::common::render_metrics;
use tailsampling::metrics::{Runtime, SendResult};

fn render(drained: Option<(Vec<u8>, u64)>) -> Vec<String> {
    render_metrics("dataway_aggregate", drained)
}

#[test]
fn every_counter_is_reported_once_then_reset() {
    let mut r = Runtime::new();
    r.add_body_bytes("/v1/tail_sampling_v2", "tkn_b", 100);
    r.add_body_bytes("/v1/tail_sampling", "tkn_a", 40);
    r.add_body_bytes("/v1/tail_sampling_v2", "tkn_b", 50);
    r.add_packets("tkn_a", 1, 3);
    r.add_packets("tkn_a", 1, 4);
    r.add_packets("tkn_b", 1, 1);
    r.add_send("tkn_a", "tracing", SendResult::Success, 2);
    r.add_send("tkn_a", "tracing", SendResult::Success, 1);
    r.add_send("tkn_a", "tracing", SendResult::Drop, 5);
    r.add_send("tkn_a", "logging", SendResult::Failure, 1);
    assert_eq!(
        render(r.drain(77)),
        [
            "dataway_http_api_body_size_bytes_total=40 @77 {api=/v1/tail_sampling,token=tkn_a}",
            "dataway_http_api_body_size_bytes_total=150 @77 {api=/v1/tail_sampling_v2,token=tkn_b}",
            "dataway_http_tail_sampling_packet_send_total=1 @77 \
             {data_type=logging,result=failure,token=tkn_a}",
            "dataway_http_tail_sampling_packet_send_total=5 @77 \
             {data_type=tracing,result=drop,token=tkn_a}",
            "dataway_http_tail_sampling_packet_send_total=3 @77 \
             {data_type=tracing,result=success,token=tkn_a}",
            "dataway_http_tail_sampling_span_total=7 @77 {token=tkn_a}",
            "dataway_http_tail_sampling_span_total=1 @77 {token=tkn_b}",
            "dataway_http_tail_sampling_trace_total=2 @77 {token=tkn_a}",
            "dataway_http_tail_sampling_trace_total=1 @77 {token=tkn_b}",
        ]
    );
    assert_eq!(r.drain(78), None);

    r.add_packets("tkn_b", 1, 2);
    assert_eq!(
        render(r.drain(79)),
        [
            "dataway_http_tail_sampling_span_total=2 @79 {token=tkn_b}",
            "dataway_http_tail_sampling_trace_total=1 @79 {token=tkn_b}",
        ]
    );
}

#[test]
fn zero_counters_are_not_reported() {
    let mut r = Runtime::new();
    r.add_body_bytes("/v1/tail_sampling", "t", 0);
    r.add_send("t", "tracing", SendResult::Success, 0);
    assert_eq!(r.drain(1), None);
    r.add_packets("t", 1, 0);
    assert_eq!(
        render(r.drain(-5)),
        ["dataway_http_tail_sampling_trace_total=1 @-5 {token=t}"]
    );
}

#[test]
fn empty_tag_values_are_left_out() {
    let mut r = Runtime::new();
    r.add_send("", "rum", SendResult::Failure, 1);
    assert_eq!(
        render(r.drain(0)),
        ["dataway_http_tail_sampling_packet_send_total=1 @0 {data_type=rum,result=failure}"]
    );
}

#[test]
fn counters_saturate() {
    let mut r = Runtime::new();
    r.add_body_bytes("api", "t", u64::MAX);
    r.add_body_bytes("api", "t", 1);
    assert_eq!(
        render(r.drain(0)),
        [format!(
            "dataway_http_api_body_size_bytes_total={} @0 {{api=api,token=t}}",
            u64::MAX as f64
        )]
    );
}

#[test]
fn send_result_names() {
    assert_eq!(SendResult::Success.as_str(), "success");
    assert_eq!(SendResult::Failure.as_str(), "failure");
    assert_eq!(SendResult::Drop.as_str(), "drop");
}

#[test]
fn runtime_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Runtime>();
}
