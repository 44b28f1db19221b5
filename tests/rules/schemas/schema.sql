-- The tracing table of the rules corpus, as a warehouse would declare it.
CREATE TABLE spans (
  status TAG,
  http_status_code VARCHAR(3),
  duration BIGINT,
  span_count BIGINT UNSIGNED,
  time TIMESTAMP
);
CREATE INDEX spans_status ON spans (status);
