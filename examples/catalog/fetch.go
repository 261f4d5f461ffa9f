//go:build fetch

// The HTTP client of -fetch, kept out of the default build (see the
// package comment).

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxDocument bounds a fetched document; real ones are 1–15 MB.
const maxDocument = 64 << 20

func init() { fetchMSRC = httpFetcher(http.DefaultClient, apiURL) }

// httpFetcher gets documents from base+ID with client. The MSRC endpoint
// needs no account or key.
func httpFetcher(client *http.Client, base string) fetcher {
	return func(ctx context.Context, id string) (io.ReadCloser, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+id, nil)
		if err != nil {
			cancel()
			return nil, err
		}
		req.Header.Set("Accept", "application/xml")
		resp, err := client.Do(req)
		if err != nil {
			cancel()
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			cancel()
			return nil, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
		}
		return &limitedBody{Reader: io.LimitReader(resp.Body, maxDocument), body: resp.Body, cancel: cancel}, nil
	}
}

// limitedBody reads at most maxDocument bytes of a response body, and
// closing it closes the body and ends the request's context.
type limitedBody struct {
	io.Reader
	body   io.Closer
	cancel context.CancelFunc
}

// Close implements io.Closer.
func (b *limitedBody) Close() error {
	defer b.cancel()
	return b.body.Close()
}
