// Pomona's task queues, in a module of their own so clients and workers import them without the workflow.
export const CPU_TASK_QUEUE = 'pomona-cpu';
export const GPU_TASK_QUEUE = 'pomona-gpu';
