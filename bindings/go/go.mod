module github.com/tailsampling/tailsampling-go

go 1.24
