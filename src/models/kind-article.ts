/** A model kind with its article as read aloud in messages: "an mlp", "an ovr", "a tree", "a softmax". */
export function withArticle(kind: string): string {
  return `${/^(mlp|ovr|[aeiou])/i.test(kind) ? 'an' : 'a'} ${kind}`;
}
