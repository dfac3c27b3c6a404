/**
 * The dependency graph of managed views: an edge from a view to each managed view it reads.
 */

export class DependencyGraph {
  /** View id to the managed view ids it reads. */
  readonly dependencies = new Map<string, Set<string>>();
  /** View id to the managed view ids that read it. */
  readonly dependents = new Map<string, Set<string>>();

  addView(id: string): void {
    if (!this.dependencies.has(id)) this.dependencies.set(id, new Set());
    if (!this.dependents.has(id)) this.dependents.set(id, new Set());
  }

  /** Replaces the edges of one view, for an edit that changed what it reads. */
  setDependencies(id: string, dependencies: Iterable<string>): void {
    this.addView(id);
    for (const old of this.dependencies.get(id)!) this.dependents.get(old)?.delete(id);
    const next = new Set<string>();
    for (const dependency of dependencies) {
      if (dependency === id) continue;
      this.addView(dependency);
      next.add(dependency);
      this.dependents.get(dependency)!.add(id);
    }
    this.dependencies.set(id, next);
  }

  removeView(id: string): void {
    for (const dependency of this.dependencies.get(id) ?? []) this.dependents.get(dependency)?.delete(id);
    for (const dependent of this.dependents.get(id) ?? []) this.dependencies.get(dependent)?.delete(id);
    this.dependencies.delete(id);
    this.dependents.delete(id);
  }

  /** Returns every view that reads the given views, directly or through others, without the views themselves. */
  downstreamOf(ids: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const start = [...ids];
    const queue = [...start];
    while (queue.length > 0) {
      const id = queue.pop()!;
      for (const dependent of this.dependents.get(id) ?? []) {
        if (!seen.has(dependent)) {
          seen.add(dependent);
          queue.push(dependent);
        }
      }
    }
    for (const id of start) seen.delete(id);
    return seen;
  }

  /**
   * Returns the views in an order where every view comes after the views it reads. Views on a
   * cycle come last, in name order, so a caller still gets every view once.
   */
  topologicalOrder(ids: Iterable<string> = this.dependencies.keys()): string[] {
    const wanted = new Set(ids);
    const remaining = new Map<string, number>();
    for (const id of wanted) {
      let count = 0;
      for (const dependency of this.dependencies.get(id) ?? []) if (wanted.has(dependency)) count++;
      remaining.set(id, count);
    }
    const ready = [...wanted].filter((id) => remaining.get(id) === 0).sort();
    const order: string[] = [];
    while (ready.length > 0) {
      const id = ready.shift()!;
      order.push(id);
      const released: string[] = [];
      for (const dependent of this.dependents.get(id) ?? []) {
        if (!wanted.has(dependent)) continue;
        const count = remaining.get(dependent)! - 1;
        remaining.set(dependent, count);
        if (count === 0) released.push(dependent);
      }
      if (released.length > 0) {
        ready.push(...released);
        ready.sort();
      }
    }
    if (order.length < wanted.size) {
      const placed = new Set(order);
      order.push(...[...wanted].filter((id) => !placed.has(id)).sort());
    }
    return order;
  }

  /** Returns each dependency cycle as a path that starts and ends at the same view (Tarjan's strongly connected components). */
  findCycles(): string[][] {
    let index = 0;
    const indices = new Map<string, number>();
    const lowLinks = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];

    const visit = (start: string): void => {
      // Iterative depth-first search, so thousands of chained views cannot overflow the call stack.
      const work: { id: string; next: Iterator<string> }[] = [];
      const open = (id: string): void => {
        indices.set(id, index);
        lowLinks.set(id, index);
        index++;
        stack.push(id);
        onStack.add(id);
        work.push({ id, next: [...(this.dependencies.get(id) ?? [])].sort()[Symbol.iterator]() });
      };
      open(start);
      while (work.length > 0) {
        const frame = work[work.length - 1];
        const step = frame.next.next();
        if (!step.done) {
          const dependency = step.value;
          if (!indices.has(dependency)) open(dependency);
          else if (onStack.has(dependency)) lowLinks.set(frame.id, Math.min(lowLinks.get(frame.id)!, indices.get(dependency)!));
          continue;
        }
        work.pop();
        if (work.length > 0) {
          const parent = work[work.length - 1].id;
          lowLinks.set(parent, Math.min(lowLinks.get(parent)!, lowLinks.get(frame.id)!));
        }
        if (lowLinks.get(frame.id) === indices.get(frame.id)) {
          const component: string[] = [];
          let member: string;
          do {
            member = stack.pop()!;
            onStack.delete(member);
            component.push(member);
          } while (member !== frame.id);
          if (component.length > 1) cycles.push(this.cyclePath(new Set(component)));
        }
      }
    };

    for (const id of [...this.dependencies.keys()].sort()) if (!indices.has(id)) visit(id);
    return cycles;
  }

  /** Returns the shortest cycle through the component's first view by name, found breadth-first. */
  private cyclePath(component: Set<string>): string[] {
    const start = [...component].sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const next of [...(this.dependencies.get(current) ?? [])].sort()) {
        if (!component.has(next)) continue;
        if (next === start) {
          const path = [start];
          for (let step: string | undefined = current; step !== undefined && step !== start; step = previous.get(step)) path.splice(1, 0, step);
          path.push(start);
          return path;
        }
        if (!previous.has(next)) {
          previous.set(next, current);
          queue.push(next);
        }
      }
    }
    return [start, start];
  }
}
