/** The fields a {@link LinkedSet} keeps in each of its members. */
export interface Linkable<Node> {
  /** Whether the node is in a set now. */
  linked: boolean;
  previous: Node | undefined;
  following: Node | undefined;
}

/**
 * A set of objects that carry their own links: adding and deleting write three fields of the node
 * and allocate nothing, where a `Set` keeps a hash entry per member. For sets that every request
 * joins and leaves (a runner's pending batches). Iterates in the order added; a node belongs to one
 * set at a time.
 */
export class LinkedSet<Node extends Linkable<Node>> {
  #first: Node | undefined;
  #last: Node | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `node` at the end; false when it was already in. */
  add(node: Node): boolean {
    if (node.linked) return false;
    node.linked = true;
    node.previous = this.#last;
    node.following = undefined;
    if (this.#last === undefined) this.#first = node;
    else this.#last.following = node;
    this.#last = node;
    this.#size++;
    return true;
  }

  /** Removes `node`; false when it was not in. */
  delete(node: Node): boolean {
    if (!node.linked) return false;
    node.linked = false;
    if (node.previous === undefined) this.#first = node.following;
    else node.previous.following = node.following;
    if (node.following === undefined) this.#last = node.previous;
    else node.following.previous = node.previous;
    node.previous = node.following = undefined;
    this.#size--;
    return true;
  }

  /** The members, in the order added (a copy: safe to delete while going through it). */
  toArray(): Node[] {
    const nodes: Node[] = [];
    for (let node = this.#first; node !== undefined; node = node.following) nodes.push(node);
    return nodes;
  }
}
