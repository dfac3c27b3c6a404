/** Tests of the dependency graph of managed views (engine/graph/graph.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DependencyGraph } from "../../engine/graph/graph";

/** Builds a graph from "view: dependency, dependency" lines. */
function graphOf(edges: Record<string, string[]>): DependencyGraph {
  const graph = new DependencyGraph();
  for (const [id, dependencies] of Object.entries(edges)) graph.setDependencies(id, dependencies);
  return graph;
}

/** Asserts that every view comes after each of its dependencies within the order. */
function assertRespectsDependencies(graph: DependencyGraph, order: string[]): void {
  const position = new Map(order.map((id, index) => [id, index]));
  for (const [id, dependencies] of graph.dependencies) {
    for (const dependency of dependencies) {
      if (!position.has(id) || !position.has(dependency)) continue;
      assert.ok(position.get(dependency)! < position.get(id)!, `${dependency} comes before ${id}`);
    }
  }
}

test("topological order puts dependencies first", () => {
  const graph = graphOf({
    "core.d": ["core.b", "core.c"],
    "core.b": ["core.a"],
    "core.c": ["core.a"],
    "core.a": [],
    "sales.x": ["core.d"],
  });
  const order = graph.topologicalOrder();
  assert.deepEqual(order, ["core.a", "core.b", "core.c", "core.d", "sales.x"], "ties are broken by name");
  assertRespectsDependencies(graph, order);
});

test("topological order of a subset", () => {
  const graph = graphOf({ c: ["b"], b: ["a"], a: [] });
  assert.deepEqual(graph.topologicalOrder(["c", "a"]), ["a", "c"], "views outside the subset are ignored");
  assert.deepEqual(graph.topologicalOrder([]), []);
});

test("topological order lists views on a cycle last", () => {
  const graph = graphOf({ b: ["a"], a: ["b"], c: [], d: ["c"] });
  const order = graph.topologicalOrder();
  assert.deepEqual(order, ["c", "d", "a", "b"]);
});

test("setDependencies replaces edges", () => {
  const graph = graphOf({ b: ["a"], c: ["b"] });
  graph.setDependencies("b", ["x"]);
  assert.deepEqual([...graph.dependents.get("a")!], [], "the old edge is gone");
  assert.deepEqual([...graph.dependents.get("x")!], ["b"]);
  graph.setDependencies("b", ["b"]);
  assert.deepEqual([...graph.dependencies.get("b")!], [], "a view reading itself adds no edge");
});

test("removeView drops its edges", () => {
  const graph = graphOf({ b: ["a"], c: ["b"] });
  graph.removeView("b");
  assert.equal(graph.dependencies.has("b"), false);
  assert.deepEqual([...graph.dependents.get("a")!], []);
  assert.deepEqual([...graph.dependencies.get("c")!], []);
});

test("downstreamOf follows dependents transitively", () => {
  const graph = graphOf({ b: ["a"], c: ["b"], d: ["c", "x"], e: ["x"], f: [] });
  assert.deepEqual([...graph.downstreamOf(["a"])].sort(), ["b", "c", "d"]);
  assert.deepEqual([...graph.downstreamOf(["x"])].sort(), ["d", "e"]);
  assert.deepEqual([...graph.downstreamOf(["a", "c"])].sort(), ["b", "d"], "the given views are left out");
  assert.deepEqual([...graph.downstreamOf(["f", "unknown"])], []);
});

test("downstreamOf terminates on a cycle", () => {
  const graph = graphOf({ a: ["c"], b: ["a"], c: ["b"], d: ["c"] });
  assert.deepEqual([...graph.downstreamOf(["a"])].sort(), ["b", "c", "d"]);
});

test("findCycles returns closed paths", () => {
  const graph = graphOf({
    "ops.a": ["ops.b"],
    "ops.b": ["ops.a"],
    "ops.c": ["ops.d"],
    "ops.d": ["ops.e"],
    "ops.e": ["ops.c", "ops.a"],
    "ops.f": ["ops.e"],
  });
  assert.deepEqual(graph.findCycles().sort(), [
    ["ops.a", "ops.b", "ops.a"],
    ["ops.c", "ops.d", "ops.e", "ops.c"],
  ]);
});

test("findCycles picks the shortest path in a component", () => {
  // a -> b -> c -> a and a -> c -> a share one component; the shorter cycle is reported.
  const graph = graphOf({ a: ["b", "c"], b: ["c"], c: ["a"] });
  assert.deepEqual(graph.findCycles(), [["a", "c", "a"]]);
});

test("findCycles of an acyclic graph", () => {
  const graph = graphOf({ b: ["a"], c: ["a", "b"] });
  assert.deepEqual(graph.findCycles(), []);
});

const CHAIN_LENGTH = 5000;

function chainOf(length: number, closed: boolean): DependencyGraph {
  const graph = new DependencyGraph();
  const name = (index: number): string => `chain.v${String(index).padStart(5, "0")}`;
  graph.setDependencies(name(0), closed ? [name(length - 1)] : []);
  for (let index = 1; index < length; index++) graph.setDependencies(name(index), [name(index - 1)]);
  return graph;
}

test("5,000 chained views without stack overflow", () => {
  const graph = chainOf(CHAIN_LENGTH, false);
  const order = graph.topologicalOrder();
  assert.equal(order.length, CHAIN_LENGTH);
  assert.equal(order[0], "chain.v00000");
  assert.equal(order[CHAIN_LENGTH - 1], "chain.v04999");
  assertRespectsDependencies(graph, order);
  assert.equal(graph.downstreamOf(["chain.v00000"]).size, CHAIN_LENGTH - 1);
  assert.deepEqual(graph.findCycles(), []);
});

test("5,000 views on one cycle", () => {
  const graph = chainOf(CHAIN_LENGTH, true);
  const cycles = graph.findCycles();
  assert.equal(cycles.length, 1);
  assert.equal(cycles[0].length, CHAIN_LENGTH + 1);
  assert.equal(cycles[0][0], cycles[0][CHAIN_LENGTH]);
  assert.equal(graph.topologicalOrder().length, CHAIN_LENGTH);
});
