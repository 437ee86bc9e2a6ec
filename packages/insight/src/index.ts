// @holdfast/insight: the monitoring layer (log template mining, pattern-change signals,
// incidents, generated alert rules, root-cause ranking). Zero runtime dependencies beyond Node.
export {};
