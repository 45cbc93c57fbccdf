package sitekit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls a Site-Kit runtime on CMP's behalf. Every method returns an
// *Error for a non-2xx answer; use IsPermanent to decide whether to retry.
type Client struct {
	baseURL string
	token   string
	http    *http.Client
}

// NewClient returns a client for the runtime at baseURL that authenticates
// with the operator token. A nil httpClient gets a 30 s timeout, so a hung
// runtime fails the activity attempt instead of hanging it.
func NewClient(baseURL, token string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), token: token, http: httpClient}
}

// CreateDeployment provisions an agent; repeating it with the same ID
// returns the existing deployment.
func (c *Client) CreateDeployment(ctx context.Context, req CreateDeploymentRequest) (Deployment, error) {
	var d Deployment
	err := c.do(ctx, http.MethodPost, "/v1/deployments", nil, req, &d)
	return d, err
}

// GetDeployment reads a deployment.
func (c *Client) GetDeployment(ctx context.Context, id string) (Deployment, error) {
	var d Deployment
	err := c.do(ctx, http.MethodGet, deploymentPath(id, ""), nil, nil, &d)
	return d, err
}

// DeleteDeployment removes a deployment; deleting a missing one succeeds.
func (c *Client) DeleteDeployment(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, deploymentPath(id, ""), nil, nil, nil)
}

// Suspend stops a deployment serving traffic, keeping its configuration.
func (c *Client) Suspend(ctx context.Context, id string) (Deployment, error) {
	var d Deployment
	err := c.do(ctx, http.MethodPost, deploymentPath(id, "/suspend"), nil, nil, &d)
	return d, err
}

// Resume lets a suspended deployment serve traffic again.
func (c *Client) Resume(ctx context.Context, id string) (Deployment, error) {
	var d Deployment
	err := c.do(ctx, http.MethodPost, deploymentPath(id, "/resume"), nil, nil, &d)
	return d, err
}

// ValidatePackage asks whether pkg can be deployed; an invalid reference is
// a Validation with Valid false, not an error.
func (c *Client) ValidatePackage(ctx context.Context, pkg string) (Validation, error) {
	var v Validation
	err := c.do(ctx, http.MethodPost, "/v1/packages/validate", nil, ValidatePackageRequest{Package: pkg}, &v)
	return v, err
}

// PutPersona replaces the persona unless a newer version is stored.
func (c *Client) PutPersona(ctx context.Context, id string, p Persona) (PutResult, error) {
	return c.put(ctx, id, "/persona", p)
}

// PutBranding replaces the branding unless a newer version is stored.
func (c *Client) PutBranding(ctx context.Context, id string, b Branding) (PutResult, error) {
	return c.put(ctx, id, "/branding", b)
}

// PutPlan replaces the plan name and limits unless a newer version is stored.
func (c *Client) PutPlan(ctx context.Context, id string, p Plan) (PutResult, error) {
	return c.put(ctx, id, "/plan", p)
}

// PutKnowledge replaces the knowledge unless a newer version is stored.
func (c *Client) PutKnowledge(ctx context.Context, id string, k Knowledge) (PutResult, error) {
	return c.put(ctx, id, "/knowledge", k)
}

// PutKeys replaces the accepted keys unless a newer version is stored.
func (c *Client) PutKeys(ctx context.Context, id string, ks KeySet) (PutResult, error) {
	return c.put(ctx, id, "/keys", ks)
}

// KeyUsage reports when each key was last accepted.
func (c *Client) KeyUsage(ctx context.Context, id string) (KeyUsage, error) {
	var u KeyUsage
	err := c.do(ctx, http.MethodGet, deploymentPath(id, "/keys/usage"), nil, nil, &u)
	return u, err
}

// Chat sends one widget message authenticated by a widget key, as CMP's
// "Chat Test" does; it does not use the operator token.
func (c *Client) Chat(ctx context.Context, id, widgetKey, message string) (ChatReply, error) {
	var r ChatReply
	h := http.Header{HeaderWidgetKey: {widgetKey}}
	err := c.do(ctx, http.MethodPost, deploymentPath(id, "/chat"), h, ChatRequest{Message: message}, &r)
	return r, err
}

func (c *Client) put(ctx context.Context, id, doc string, body any) (PutResult, error) {
	var r PutResult
	err := c.do(ctx, http.MethodPut, deploymentPath(id, doc), nil, body, &r)
	return r, err
}

func deploymentPath(id, suffix string) string {
	return "/v1/deployments/" + url.PathEscape(id) + suffix
}

// do sends one JSON request. A non-nil header replaces operator
// authentication (the widget chat brings its own key).
func (c *Client) do(ctx context.Context, method, path string, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("sitekit: encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return fmt.Errorf("sitekit: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if header != nil {
		for k, v := range header {
			req.Header[k] = v
		}
	} else {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("sitekit: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return fmt.Errorf("sitekit: read %s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp.StatusCode, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("sitekit: decode %s %s: %w", method, path, err)
	}
	return nil
}

// decodeError turns an error answer into *Error; a body that is not the
// contract's shape (a proxy's 502 page) still yields the status.
func decodeError(status int, data []byte) *Error {
	var eb errorBody
	if json.Unmarshal(data, &eb) == nil && eb.Error.Code != "" {
		return &Error{Status: status, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	return &Error{Status: status, Code: "http_" + fmt.Sprint(status), Message: http.StatusText(status)}
}
