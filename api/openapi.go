package api

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

func (s *Server) routesOpenAPI(r gin.IRoutes) {
	s.handle(r, http.MethodGet, "/openapi.json", doc{Summary: "This OpenAPI 3 document", Tag: "meta"}, s.openapi)
}

func (s *Server) openapi(c *gin.Context) {
	s.specOnce.Do(func() { s.spec = s.OpenAPI() })
	c.JSON(http.StatusOK, s.spec)
}

var pathParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`) // :name and gin's catch-all *name

// OpenAPI builds the OpenAPI 3 document from the registered routes' docs.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	schemas := map[string]any{}
	for _, r := range s.docs {
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{"summary": r.Summary, "tags": []string{r.Tag}, "x-access": r.Access}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		for _, h := range r.Headers {
			params = append(params, map[string]any{"name": h, "in": "header", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Access == accessUser || r.Access == accessOperator {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
		}
		if r.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaRef(reflect.TypeOf(r.Body), schemas)}}}
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := map[string]any{"description": http.StatusText(status)}
		switch {
		case r.Produces != "":
			resp["content"] = map[string]any{r.Produces: map[string]any{}}
		case r.Response != nil:
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": schemaRef(reflect.TypeOf(r.Response), schemas)}}
		}
		op["responses"] = map[string]any{
			strconv.Itoa(status): resp,
			"default":            map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": schemaRef(reflect.TypeOf(ErrorBody{}), schemas)}}},
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "CMP — Cloud Marketplace Platform API", "version": "1.0.0"},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

var timeType = reflect.TypeOf(time.Time{})

// schemaRef returns a schema for t, registering named structs under components.
func schemaRef(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if m, ok := reflect.New(t).Interface().(interface{ JSONSchema() map[string]any }); ok {
		return m.JSONSchema()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaRef(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaRef(t.Elem(), schemas)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			return structSchema(t, schemas)
		}
		name := t.Name()
		if _, ok := schemas[name]; !ok {
			schemas[name] = map[string]any{} // break recursion
			schemas[name] = structSchema(t, schemas)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			inner := structSchema(f.Type, schemas)
			for k, v := range inner["properties"].(map[string]any) {
				props[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaRef(f.Type, schemas)
		if strings.Contains(f.Tag.Get("binding"), "required") && !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

// specCache memoises the document; routes never change after New.
type specCache struct {
	specOnce sync.Once
	spec     map[string]any
}
