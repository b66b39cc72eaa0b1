/**
 * An accuracy-matrix heatmap as a standalone SVG (no dependencies, opens in any browser): rows are
 * "after training experience i", columns "tested on experience j", cells coloured by accuracy.
 */
export function heatmapSvg(matrix: readonly (readonly number[])[], title: string): string {
  const cell = 44;
  const left = 70;
  const top = 58;
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  const width = left + cols * cell + 20;
  const height = top + rows * cell + 30;
  // Red (0) through yellow to green (1).
  const colour = (v: number) => `hsl(${Math.round(120 * Math.max(0, Math.min(1, v)))}, 70%, ${55 - 10 * v}%)`;
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<text x="${left}" y="36">tested on experience j →</text>`,
    `<text x="12" y="${top + (rows * cell) / 2}" transform="rotate(-90 12 ${top + (rows * cell) / 2})" text-anchor="middle">after training i →</text>`,
  ];
  for (let j = 0; j < cols; j++) parts.push(`<text x="${left + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${j}</text>`);
  matrix.forEach((row, i) => {
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${i}</text>`);
    row.forEach((v, j) => {
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${colour(v)}"/>`);
      parts.push(`<text x="${x + cell / 2 - 1}" y="${y + cell / 2 + 4}" text-anchor="middle">${(100 * v).toFixed(0)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
