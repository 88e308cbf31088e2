export const LIST_SERVICE = Symbol('LIST_SERVICE');
