package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	ts "github.com/tailsampling/tailsampling-go"
)

// sink is where a standalone Dataway writes deliveries.
type sink interface {
	write(ctx context.Context, d ts.Delivery) error
}

// permanentError is a failure that a retry cannot fix (an upstream 4xx other than 408, 429).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

// httpSink POSTs each delivery to <base><path>?token=<token>, like Dataway writing to its
// upstream.
type httpSink struct {
	base    string
	client  *http.Client
	timeout time.Duration
}

func newHTTPSink(base string, timeout time.Duration) *httpSink {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &httpSink{base: base, client: &http.Client{Transport: tr}, timeout: timeout}
}

func (s *httpSink) write(ctx context.Context, d ts.Delivery) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	u := s.base + d.Path + "?token=" + url.QueryEscape(d.Token)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(d.Body))
	if err != nil {
		return &permanentError{err}
	}
	req.Header.Set("Content-Type", d.ContentType)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return &permanentError{fmt.Errorf("upstream answered %s: %s", resp.Status, bytes.TrimSpace(msg))}
	default:
		return fmt.Errorf("upstream answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
}

// dirSink writes each delivery body to <dir>/<token>/<data type>/<unix nanos>-<seq>.pb (in
// the token, bytes other than letters, digits, '-' and '_' become %XX), atomically: a reader
// never sees a partial file.
type dirSink struct {
	dir string
	seq atomic.Uint64
}

func newDirSink(dir string) (*dirSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &dirSink{dir: dir}, nil
}

func (s *dirSink) write(_ context.Context, d ts.Delivery) error {
	dir := filepath.Join(s.dir, fileName(d.Token), fileName(d.DataType))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := strconv.FormatInt(time.Now().UnixNano(), 10) + "-" + strconv.FormatUint(s.seq.Add(1), 10) + ".pb"
	tmp := filepath.Join(dir, "."+name)
	if err := os.WriteFile(tmp, d.Body, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

// fileName escapes s into a safe file name: never empty, ".", ".." or containing a separator.
func fileName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() == 0 {
		return "%"
	}
	return b.String()
}
