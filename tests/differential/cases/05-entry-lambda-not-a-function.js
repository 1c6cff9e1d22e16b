const lambda = 42;
