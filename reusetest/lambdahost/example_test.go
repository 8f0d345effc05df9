package lambdahost_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lambda-reuse/lambda-reuse/reusetest/lambdahost"
)

// Run your own function binary (built for provided.al2023: GOOS=linux,
// CGO_ENABLED=0, -tags lambda.norpc) as a pool of local environments, call
// it through the Invoke API, and see how many environments it took.
func ExampleStart() {
	h, err := lambdahost.Start(lambdahost.Options{Bootstrap: "./bootstrap", FunctionName: "my-function"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close() // stops every process it started

	resp, err := http.Post(h.URL()+"/2015-03-31/functions/my-function/invocations", "application/json",
		strings.NewReader(`{"hello": "world"}`))
	if err == nil {
		resp.Body.Close()
	}
	c := h.Counts()
	fmt.Println("environments started:", c.Started, "calls:", c.Calls)
}
