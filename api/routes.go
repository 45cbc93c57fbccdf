package api

import (
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
)

var (
	errNoRoute  = errs.New(errs.NotFound, "no such endpoint")
	errNoMethod = errs.New(errs.Invalid, "method not allowed on this endpoint")
)

// Access levels an endpoint can require; they appear in the OpenAPI document.
const (
	accessAnonymous = "anonymous"
	accessUser      = "user"
	accessOperator  = "operator"
	accessSigned    = "signed" // verified by a signature header, not a session
	accessAgentKey  = "agent_key"
)

// doc describes an endpoint for the OpenAPI document.
type doc struct {
	Summary  string
	Access   string
	Tag      string
	Body     any      // request body type (zero value), nil for none
	Response any      // success body type (zero value), nil for none
	Status   int      // success status, default 200
	Query    []string // query parameters
	Headers  []string // required request headers
	Produces string   // non-JSON response content type
}

type routeDoc struct {
	Method, Path string
	doc
}

// handle registers a route and its documentation in one place, so the OpenAPI
// document cannot describe an endpoint that does not exist or miss one that does.
func (s *Server) handle(r gin.IRoutes, method, path string, d doc, h ...gin.HandlerFunc) {
	if d.Access == "" {
		d.Access = accessAnonymous
	}
	switch d.Access {
	case accessUser:
		h = append([]gin.HandlerFunc{requireUser}, h...)
	case accessOperator:
		h = append([]gin.HandlerFunc{requireOperator}, h...)
	}
	r.Handle(method, path, h...)
	base := ""
	if g, ok := r.(*gin.RouterGroup); ok {
		base = g.BasePath()
	}
	full := strings.TrimSuffix(base, "/") + path
	if base == "/" {
		full = path
	}
	s.docs = append(s.docs, routeDoc{Method: method, Path: full, doc: d})
}

func typeName(v any) string {
	if v == nil {
		return ""
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t.Name()
}
