// A problem found in user data, located precisely enough to fix: file, and line where there is one.
export interface Problem {
  file: string;
  line?: number;
  message: string;
}

export function formatProblem(problem: Problem): string {
  return `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`;
}
