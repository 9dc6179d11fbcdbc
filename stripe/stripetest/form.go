package stripetest

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/payments-go/payments/internal/web"
)

// Limits of the form decoder. They are far above anything stripe-go sends
// for the endpoints this fake serves and only keep hostile input cheap.
const (
	maxFormPairs = 2000
	maxFormDepth = 8
	maxListIndex = 9999
)

// nodeKind tells what a formNode holds.
type nodeKind int

const (
	leafNode nodeKind = iota // a string value
	objNode                  // named (or numeric) keys
	listNode                 // values appended with "[]"
)

// formNode is one node of a decoded Stripe-style (Rack-style) form body such
// as "line_items[0][price_data][currency]=usd&expand[]=payment_intent".
type formNode struct {
	kind  nodeKind
	value string
	keys  []string // objNode: keys in the order first seen
	kids  map[string]*formNode
	items []*formNode // listNode
}

func newObj() *formNode { return &formNode{kind: objNode, kids: map[string]*formNode{}} }

// formError is a decoding failure; it becomes a 400 invalid_request_error.
type formError struct {
	msg   string
	param string
}

func (e *formError) Error() string { return e.msg }

// parseForm decodes an application/x-www-form-urlencoded body (or a query
// string) into a tree. It never panics; malformed input is a *formError.
func parseForm(raw string) (*formNode, url.Values, error) {
	root := newObj()
	flat := url.Values{}
	if raw == "" {
		return root, flat, nil
	}
	pairs := strings.Split(raw, "&")
	if len(pairs) > maxFormPairs {
		return nil, nil, &formError{msg: "Too many parameters in the request body."}
	}
	for _, pair := range pairs {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, nil, &formError{msg: "Invalid request body: the parameter name " + strconv.Quote(k) + " is not valid form encoding."}
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, nil, &formError{msg: "Invalid request body: the value of " + strconv.Quote(key) + " is not valid form encoding.", param: key}
		}
		segs, err := splitKey(key)
		if err != nil {
			return nil, nil, err
		}
		if err := insert(root, segs, val, key); err != nil {
			return nil, nil, err
		}
		flat.Add(key, val)
	}
	return root, flat, nil
}

// splitKey splits "a[b][0][]" into ["a", "b", "0", ""].
func splitKey(key string) ([]string, error) {
	bad := &formError{msg: "Invalid parameter name: " + strconv.Quote(key) + ".", param: key}
	name, rest, _ := strings.Cut(key, "[")
	if name == "" || strings.Contains(name, "]") {
		return nil, bad
	}
	segs := []string{name}
	if len(rest) == len(key)-len(name) { // no '[' at all
		return segs, nil
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, bad
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, bad
		}
		seg := rest[1:end]
		if strings.Contains(seg, "[") {
			return nil, bad
		}
		segs = append(segs, seg)
		if len(segs) > maxFormDepth {
			return nil, &formError{msg: "Parameter " + strconv.Quote(key) + " is nested too deeply.", param: key}
		}
		rest = rest[end+1:]
	}
	return segs, nil
}

func insert(n *formNode, segs []string, val, key string) error {
	conflict := &formError{msg: "Invalid parameter: " + strconv.Quote(key) + " conflicts with another parameter of a different type.", param: key}
	for i, seg := range segs {
		last := i == len(segs)-1
		if n.kind != objNode {
			return conflict
		}
		if seg == "" {
			// "[]" is consumed by the step that owns the list; a second
			// "[]" in a row (or "[]" on a leaf) has no meaning.
			return conflict
		}
		child, ok := n.kids[seg]
		if i+1 < len(segs) && segs[i+1] == "" {
			// seg is a list appended to with "[]".
			if !ok {
				child = &formNode{kind: listNode}
				n.kids[seg] = child
				n.keys = append(n.keys, seg)
			} else if child.kind != listNode {
				return conflict
			}
			rest := segs[i+2:]
			if len(rest) == 0 {
				child.items = append(child.items, &formNode{kind: leafNode, value: val})
				return nil
			}
			if len(child.items) > maxFormPairs {
				return conflict
			}
			// Rack's rule: keep filling the last element until it already
			// holds this key, then start a new element.
			var elem *formNode
			if k := len(child.items); k > 0 && child.items[k-1].kind == objNode && !hasPath(child.items[k-1], rest) {
				elem = child.items[k-1]
			} else {
				elem = newObj()
				child.items = append(child.items, elem)
			}
			return insert(elem, rest, val, key)
		}
		if last {
			if ok && child.kind != leafNode {
				return conflict
			}
			if !ok {
				n.keys = append(n.keys, seg)
			}
			n.kids[seg] = &formNode{kind: leafNode, value: val} // last one wins
			return nil
		}
		if !ok {
			child = newObj()
			n.kids[seg] = child
			n.keys = append(n.keys, seg)
		}
		n = child
	}
	return nil
}

// hasPath reports whether n already holds a value at path.
func hasPath(n *formNode, path []string) bool {
	for _, seg := range path {
		if seg == "" {
			return false
		}
		if n.kind != objNode {
			return false
		}
		c, ok := n.kids[seg]
		if !ok {
			return false
		}
		n = c
	}
	return true
}

// elements returns the elements of a list parameter: either appended with
// "[]" or indexed with "[0]", "[1]" ... (ordered by index).
func (n *formNode) elements() ([]*formNode, bool) {
	switch n.kind {
	case listNode:
		return n.items, true
	case objNode:
		type kv struct {
			i int
			n *formNode
		}
		out := make([]kv, 0, len(n.keys))
		for _, k := range n.keys {
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i > maxListIndex || strconv.Itoa(i) != k {
				return nil, false
			}
			out = append(out, kv{i, n.kids[k]})
		}
		sort.Slice(out, func(a, b int) bool { return out[a].i < out[b].i })
		res := make([]*formNode, len(out))
		for i, e := range out {
			res[i] = e.n
		}
		return res, true
	}
	return nil, false
}

// decoder reads parameters out of a form tree and remembers the first
// problem as a Stripe-shaped error. Reads after an error return zero values.
type decoder struct {
	err *Error
}

func (d *decoder) fail(e *Error) {
	if d.err == nil {
		d.err = e
	}
}

// obj is an object-valued parameter (the body itself, "line_items[0]", ...).
type obj struct {
	n    *formNode
	path string // "" for the root
	d    *decoder
}

func (d *decoder) root(n *formNode) obj { return obj{n: n, d: d} }

func (o obj) name(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "[" + key + "]"
}

func (o obj) get(key string) (*formNode, bool) {
	if o.n == nil || o.d.err != nil {
		return nil, false
	}
	c, ok := o.n.kids[key]
	return c, ok
}

// only rejects keys other than the allowed ones, as Stripe does.
func (o obj) only(allowed ...string) {
	if o.n == nil || o.d.err != nil {
		return
	}
	for _, k := range o.n.keys {
		found := false
		for _, a := range allowed {
			if a == k {
				found = true
				break
			}
		}
		if !found {
			o.d.fail(errUnknownParam(o.name(k)))
			return
		}
	}
}

// str returns a string parameter. An empty string counts as absent, as
// Stripe treats it as "unset".
func (o obj) str(key string) (string, bool) {
	c, ok := o.get(key)
	if !ok {
		return "", false
	}
	if c.kind != leafNode {
		o.d.fail(errInvalid(o.name(key), "Invalid string: "+o.name(key)+" must be a string."))
		return "", false
	}
	return c.value, c.value != ""
}

// required returns a string parameter that must be present and non-empty.
func (o obj) required(key string) string {
	c, ok := o.get(key)
	if o.d.err != nil {
		return ""
	}
	if !ok {
		o.d.fail(errMissingParam(o.name(key)))
		return ""
	}
	if c.kind == leafNode && c.value == "" {
		o.d.fail(errEmptyParam(o.name(key)))
		return ""
	}
	s, _ := o.str(key)
	return s
}

func (o obj) int(key string) (int64, bool) {
	s, ok := o.str(key)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		o.d.fail(&Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_invalid_integer", Param: o.name(key), Message: "Invalid integer: " + web.Clip(s, 40)})
		return 0, false
	}
	return v, true
}

func (o obj) bool(key string) (bool, bool) {
	s, ok := o.str(key)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	o.d.fail(errInvalid(o.name(key), "Invalid boolean: "+web.Clip(s, 40)))
	return false, false
}

// enum returns a string parameter restricted to values.
func (o obj) enum(key string, values ...string) (string, bool) {
	s, ok := o.str(key)
	if !ok {
		return "", false
	}
	for _, v := range values {
		if s == v {
			return s, true
		}
	}
	o.d.fail(errInvalid(o.name(key), "Invalid "+o.name(key)+": must be one of "+oneOf(values)))
	return "", false
}

func (o obj) object(key string) (obj, bool) {
	c, ok := o.get(key)
	if !ok {
		return obj{}, false
	}
	if c.kind == leafNode && c.value == "" {
		return obj{}, false
	}
	if c.kind != objNode {
		o.d.fail(errInvalid(o.name(key), "Invalid object"))
		return obj{}, false
	}
	return obj{n: c, path: o.name(key), d: o.d}, true
}

func (o obj) list(key string) ([]obj, bool) {
	c, ok := o.get(key)
	if !ok {
		return nil, false
	}
	if c.kind == leafNode && c.value == "" {
		return nil, true
	}
	elems, ok := c.elements()
	if !ok {
		o.d.fail(errInvalid(o.name(key), "Invalid array"))
		return nil, false
	}
	out := make([]obj, 0, len(elems))
	for i, e := range elems {
		p := o.name(key) + "[" + strconv.Itoa(i) + "]"
		if e.kind != objNode {
			o.d.fail(errInvalid(p, "Invalid object"))
			return nil, false
		}
		out = append(out, obj{n: e, path: p, d: o.d})
	}
	return out, true
}

func (o obj) strings(key string) ([]string, bool) {
	c, ok := o.get(key)
	if !ok {
		return nil, false
	}
	if c.kind == leafNode && c.value == "" {
		return nil, true
	}
	elems, ok := c.elements()
	if !ok {
		o.d.fail(errInvalid(o.name(key), "Invalid array"))
		return nil, false
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		if e.kind != leafNode {
			o.d.fail(errInvalid(o.name(key), "Invalid array"))
			return nil, false
		}
		out = append(out, e.value)
	}
	return out, true
}

// metadata returns a metadata hash with Stripe's limits (50 keys, keys up
// to 40 characters, values up to 500). Empty values are dropped.
func (o obj) metadata(key string) map[string]string {
	md := map[string]string{}
	c, ok := o.get(key)
	if !ok || (c.kind == leafNode && c.value == "") {
		return md
	}
	if c.kind != objNode {
		o.d.fail(errInvalid(o.name(key), "Invalid object"))
		return md
	}
	if len(c.keys) > 50 {
		o.d.fail(errInvalid(o.name(key), "Invalid metadata: metadata must have at most 50 keys."))
		return md
	}
	for _, k := range c.keys {
		v := c.kids[k]
		p := o.name(key) + "[" + k + "]"
		if v.kind != leafNode {
			o.d.fail(errInvalid(p, "Invalid metadata: values must be strings."))
			return md
		}
		if len([]rune(k)) > 40 {
			o.d.fail(errInvalid(p, "Metadata keys can have a maximum length of 40 characters."))
			return md
		}
		if len([]rune(v.value)) > 500 {
			o.d.fail(errInvalid(p, "Metadata values can have a maximum length of 500 characters."))
			return md
		}
		if v.value != "" {
			md[k] = v.value
		}
	}
	return md
}

func oneOf(values []string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	case 2:
		return values[0] + " or " + values[1]
	}
	return strings.Join(values[:len(values)-1], ", ") + ", or " + values[len(values)-1]
}
