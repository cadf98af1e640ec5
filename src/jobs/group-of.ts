/** The job's fair-queue group: the task's `group.key(payload)`, or undefined for an ungrouped task. */
export function groupOf(task: { readonly name: string; readonly options: { readonly group?: { readonly key: (payload: never) => string } } }, payload: unknown): string | undefined {
  const key = task.options.group?.key;
  if (key === undefined) return undefined;
  const group = key(payload as never);
  if (typeof group !== 'string') throw new TypeError(`task "${task.name}": group.key must return a string, got ${typeof group}`);
  return group;
}
