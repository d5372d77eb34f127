package demo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

func ExampleStart() {
	s, err := demo.Start(demo.Options{}) // the default data set, on free loopback ports
	if err != nil {
		panic(err)
	}
	defer s.Close()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(s.Customers.URL() + "/customers/c1")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var c sources.Customer
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, c.Name, c.Email)
	// Output: 200 John Dijkstra 1 john.dijkstra.1@example.com
}

func ExampleService_SetErrorRate() {
	svc := demo.NewService(sources.OrdersSource, demo.NewDataset(demo.DefaultSeed, 10, 20))
	ts := httptest.NewServer(svc.Handler())
	defer ts.Close()

	svc.SetErrorRate(0.5) // every second call fails
	for range 4 {
		resp, err := ts.Client().Get(ts.URL + "/orders/o1")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ")
	}
	fmt.Println(svc.Calls())
	// Output: 200 503 200 503 4
}
