const lambda = (input, callback) => callback(null, [input.timestamp]);
