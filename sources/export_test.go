package sources

// Decode is decode, for the benchmarks of package sources_test.
var Decode = decode
