package main

import (
	"context"
	"fmt"
	"io"

	"github.com/gqlbff/gqlbff/sources/demo"
)

// runDemoSources runs the three demo REST services, each on its own port,
// until ctx is done: the sources of benchmarks and of a gqlbff run apart.
func runDemoSources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo-sources", stderr)
	var opts demo.Options
	fs.Int64Var(&opts.Seed, "seed", demo.DefaultSeed, "data set seed")
	fs.IntVar(&opts.Customers, "customers", demo.DefaultCustomers, "number of customers")
	fs.IntVar(&opts.Orders, "orders", demo.DefaultOrders, "number of orders")
	fs.StringVar(&opts.OrdersAddr, "orders-addr", "127.0.0.1:9001", "orders service listen `address`")
	fs.StringVar(&opts.CustomersAddr, "customers-addr", "127.0.0.1:9002", "customers service listen `address`")
	fs.StringVar(&opts.AnalyticsAddr, "analytics-addr", "127.0.0.1:9003", "analytics service listen `address`")
	fs.DurationVar(&opts.Latency, "latency", 0, "added latency of every call")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo-sources: unexpected argument %q", fs.Arg(0))
	}
	svcs, err := demo.Start(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "GQLBFF_ORDERS_URL=%s\nGQLBFF_CUSTOMERS_URL=%s\nGQLBFF_ANALYTICS_URL=%s\n",
		svcs.Orders.URL(), svcs.Customers.URL(), svcs.Analytics.URL())
	<-ctx.Done()
	return svcs.Close()
}
