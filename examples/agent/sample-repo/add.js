// A small module with a real bug: the test below fails until add() adds.
exports.add = (a, b) => a - b;
