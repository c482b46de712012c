export * from './model';
export * from './StudioPanel';
