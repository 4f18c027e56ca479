// Softmax cross-entropy and accuracy over rows of logits[m,c]; labels are class indices stored
// as f32. Rows are short (c = 10 for MNIST), so these are scalar, with f64 exp/log for accuracy.

/**
 * Returns the mean over rows of -log softmax(logits)[label] (max-subtracted, so stable).
 * When dlogits != 0, writes dlogits = (softmax - onehot) / counted. A row with a negative label
 * is ignored (dlogits 0, not counted; MLM's unmasked positions), so counted is the number of
 * rows with label >= 0 (m when none is negative) and no counted row returns 0. A label >= c
 * or not an integer makes the loss NaN rather than reading out of bounds. m == 0 returns 0.
 */
export function softmax_xent_f32(logits: usize, labels: usize, m: i32, c: i32, dlogits: usize): f64 {
  if (m <= 0) return 0;
  let counted = 0;
  for (let i = 0; i < m; i++) if (!(load<f32>(labels + (<usize>i << 2)) < 0)) counted++;
  if (counted == 0) {
    if (dlogits != 0) memory.fill(dlogits, 0, <usize>m * (<usize>c << 2));
    return 0;
  }
  const invM = 1.0 / <f64>counted;
  let total: f64 = 0;
  for (let i = 0; i < m; i++) {
    if (load<f32>(labels + (<usize>i << 2)) < 0) {
      if (dlogits != 0) memory.fill(dlogits + <usize>i * (<usize>c << 2), 0, <usize>c << 2);
      continue;
    }
    const row = logits + <usize>i * (<usize>c << 2);
    let mx = <f64>load<f32>(row);
    for (let j = 1; j < c; j++) mx = max(mx, <f64>load<f32>(row + (<usize>j << 2)));
    let s: f64 = 0;
    for (let j = 0; j < c; j++) s += Math.exp(<f64>load<f32>(row + (<usize>j << 2)) - mx);
    const labelF = load<f32>(labels + (<usize>i << 2));
    const label = <i32>labelF;
    const valid = label >= 0 && label < c && <f32>label == labelF;
    total += valid ? mx + Math.log(s) - <f64>load<f32>(row + (<usize>label << 2)) : NaN;
    if (dlogits != 0) {
      const drow = dlogits + <usize>i * (<usize>c << 2);
      for (let j = 0; j < c; j++) {
        const p = Math.exp(<f64>load<f32>(row + (<usize>j << 2)) - mx) / s;
        store<f32>(drow + (<usize>j << 2), <f32>((p - (j == label ? 1.0 : 0.0)) * invM));
      }
    }
  }
  return total * invM;
}

/** Number of rows whose argmax (first maximum on ties) equals the label (a negative label never does). */
export function count_correct_f32(logits: usize, labels: usize, m: i32, c: i32): i32 {
  if (c <= 0) return 0;
  let correct = 0;
  for (let i = 0; i < m; i++) {
    const row = logits + <usize>i * (<usize>c << 2);
    let best = load<f32>(row);
    let arg = 0;
    for (let j = 1; j < c; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      if (v > best) {
        best = v;
        arg = j;
      }
    }
    if (<f32>arg == load<f32>(labels + (<usize>i << 2))) correct++;
  }
  return correct;
}
